{#- The incremental filter of a partitioned incremental model: the rows of its newest
    `partitions` values of `column` (a partition key) and every value after them, as the model
    declares them in its meta:

        meta={'lookback': {'column': 'trade_date', 'partitions': 1}}

    The filter is rendered from that declaration alone, so the lookback the model declares is
    the one its SQL uses, and tests/test_partitions.py reads the same declaration from the
    manifest (it refuses a partitioned incremental model that does not call this macro, or whose
    lookback is over Athena's 100 partitions a statement, or cannot be read).

    partitions 1 is `column >= max(column) in the table`: the newest value, rebuilt, and the
    new ones. More than 1 counts days back from the newest (date_add on Athena, an interval on
    DuckDB, by dbt's cross-database dateadd): a date key has one partition value a day, so
    N days back reach N values. -#}
{% macro incremental_lookback() -%}
  {%- set lookback = (config.get('meta') or {}).get('lookback') -%}
  {%- set where = model.name ~ ': meta.lookback' -%}
  {%- if lookback is not mapping or lookback.get('column') is none or lookback.get('partitions') is none -%}
    {{ exceptions.raise_compiler_error(where ~ " must be {'column': <a partition key>, 'partitions': <1 to 100>}, not " ~ lookback) }}
  {%- endif -%}
  {%- set column, partitions = lookback['column'], lookback['partitions'] -%}
  {%- if partitions is not number or partitions < 1 or partitions > 100 -%}
    {{ exceptions.raise_compiler_error(where ~ ".partitions is " ~ partitions ~ ": allowed are whole numbers from 1 to 100 (Athena writes at most 100 partitions a statement)") }}
  {%- endif -%}
  {%- set newest = '(select max(' ~ column ~ ') from ' ~ this ~ ')' -%}
  {%- if partitions == 1 -%}
    {{ column }} >= {{ newest }}
  {%- else -%}
    {{ column }} >= {{ dbt.dateadd('day', 1 - partitions, newest) }}
  {%- endif -%}
{%- endmacro %}
