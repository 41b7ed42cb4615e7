{#- The batch job's watermark of the served table, as one row (watermark): the newest change
    its silver holds. Before the batch's first run there is none, and the epoch stands in, so
    the stream answers alone. -#}
{% macro served_watermark() -%}
    select coalesce(max(watermark), cast('1970-01-01 00:00:00' as timestamp)) as watermark
    from {{ ref('stg_watermarks') }}
    where table_name = '{{ served_table() }}'
{%- endmacro %}
