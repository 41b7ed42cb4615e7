-- Every change of an order's status, each once, from the flow that has it: the batch job's
-- silver up to its watermark (the newest change it has merged), the speed layer's stream after
-- it. A change both flows carry (the batch caught up with the stream) is recognised by the
-- order and its change key (changed_at) and comes from the batch only.
with watermark as (
    select coalesce(max(watermark), cast('1970-01-01 00:00:00' as timestamp)) as watermark
    from {{ ref('stg_watermarks') }}
    where table_name = '{{ served_table() }}'
),

batch as (
    select order_id, status, changed_at, 'batch' as flow
    from {{ ref('stg_order_changes') }}
),

speed as (
    select e.order_id, e.status, e.changed_at, 'speed' as flow
    from {{ ref('stg_order_events') }} as e
    cross join watermark as w
    where e.changed_at > w.watermark
)

select * from batch
union all
select * from speed
