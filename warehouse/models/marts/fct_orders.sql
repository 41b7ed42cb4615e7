-- One row per order, as it is now, with its lines summed. Rebuilt whole each run: it is the
-- current state, which deletes and line changes alter anywhere (no incremental filter could
-- find them). On Athena the Iceberg table is partitioned by day of ordered_at, which keeps a
-- month's queries to a month's files.
-- Athena writes at most 100 partitions a statement, and a rebuild writes every day the orders
-- span: force_batch makes dbt-athena build it in batches of partitions_limit days from the
-- start (an unpartitioned CTAS, then a CTAS of the first 100 days and an INSERT INTO per 100
-- more: create_table_as_with_partitions in dbt-athena's
-- macros/materializations/models/table/create_table_as.sql). Without it, past day 100 every
-- run's first CTAS would scan everything and fail (TOO_MANY_OPEN_PARTITIONS) before dbt-athena
-- fell back to the same batches.
{{ config(
    partitioned_by=['day(ordered_at)'],
    force_batch=true,
    partitions_limit=100,
) }}

with lines as (
    select
        order_id,
        count(*) as item_count,
        sum(line_total) as items_total
    from {{ ref('fct_order_items') }}
    group by order_id
)

select
    o.order_id,
    o.customer_id,
    o.status,
    o.currency,
    o.total,
    coalesce(l.item_count, 0) as item_count,
    cast(coalesce(l.items_total, 0) as decimal(14, 2)) as items_total,
    cast(o.ordered_at as {{ gold_timestamp() }}) as ordered_at,
    cast(o.ordered_at as date) as order_date,
    cast(o.updated_at as {{ gold_timestamp() }}) as updated_at
from {{ ref('stg_orders') }} as o
left join lines as l on l.order_id = o.order_id
