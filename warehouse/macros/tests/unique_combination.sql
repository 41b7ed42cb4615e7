{#- No two rows share the values of columns: a composite key (dbt_utils has the same test; the
    project takes no package, so nothing is downloaded at run time). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
