{#- No two rows share the values of columns: a composite key (dbt_utils has the same test; the
    project takes no package, so nothing is downloaded at run time). Each column is quoted: a
    key column may be named like a keyword (order, date, time), which neither Athena nor DuckDB
    takes bare. -#}
{% test unique_combination(model, columns) %}
{%- set quoted = [] -%}
{%- for column in columns %}{% do quoted.append(adapter.quote(column)) %}{% endfor -%}
select {{ quoted | join(', ') }}, count(*) as n_records
from {{ model }}
group by {{ quoted | join(', ') }}
having count(*) > 1
{% endtest %}
