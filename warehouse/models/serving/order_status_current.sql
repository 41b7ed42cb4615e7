-- The current status of each order, answered by both flows: silver's current table as the
-- batch job last merged it (one row per order; a deleted order has none), unless the stream
-- has a newer change after the batch's watermark. No history is read, and the stream only
-- after the watermark.
with batch as (
    select order_id, status, {{ change_key() }} as changed_at, 'batch' as flow
    from {{ ref('stg_orders') }}
),

ranked as (
    select
        *,
        row_number() over (partition by order_id order by changed_at desc, flow desc) as newest
    from (
        select * from batch
        union all
        select * from {{ ref('order_status_stream') }}
    ) as both_flows
)

select order_id, status, changed_at, flow
from ranked
where newest = 1
