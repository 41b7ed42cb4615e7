{#- What Athena (Trino) and DuckDB spell differently, dispatched per adapter. dbt's own
    cross-database macros (dbt.date_trunc, dbt.cast, dbt.type_*) cover the rest. -#}

{#- The rows of a map column as (key, value) pairs: the from-clause of `relation`'s rows with
    key_name and value_name alongside its other columns. -#}
{% macro explode_map(relation, column, key_name, value_name) -%}
  {{ return(adapter.dispatch('explode_map', 'dataplatform')(relation, column, key_name, value_name)) }}
{%- endmacro %}

{% macro athena__explode_map(relation, column, key_name, value_name) -%}
  {{ relation }} as src cross join unnest(src.{{ column }}) as exploded ({{ key_name }}, {{ value_name }})
{%- endmacro %}

{% macro default__explode_map(relation, column, key_name, value_name) -%}
  (
    select *, unnest(map_keys({{ column }})) as {{ key_name }}, unnest(map_values({{ column }})) as {{ value_name }}
    from {{ relation }}
  ) as exploded
{%- endmacro %}

{#- The incremental strategy that upserts by unique_key: Iceberg's MERGE on Athena, DuckDB's
    delete+insert locally. -#}
{% macro upsert_strategy() -%}
  {{ return('merge' if target.type == 'athena' else 'delete+insert') }}
{%- endmacro %}

{#- The timestamp type of a gold column: Iceberg on Athena takes microseconds only,
    timestamp(6) (engine v3's plain timestamp is milliseconds, which CREATE TABLE refuses for
    Iceberg); DuckDB's timestamp is microseconds already. -#}
{% macro gold_timestamp() -%}
  {{ return(adapter.dispatch('gold_timestamp', 'dataplatform')()) }}
{%- endmacro %}

{% macro athena__gold_timestamp() -%}timestamp(6){%- endmacro %}

{% macro default__gold_timestamp() -%}{{ dbt.type_timestamp() }}{%- endmacro %}
