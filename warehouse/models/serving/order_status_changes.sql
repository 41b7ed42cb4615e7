-- Every change of an order's status, each once, from the flow that has it: the batch job's
-- silver up to its watermark (the newest change it had merged when it wrote it), the speed
-- layer's stream after it. A change both flows carry (the batch caught up with the stream) is recognised by the
-- order and its change key (changed_at) and comes from the batch only.
with watermark as (
    select coalesce(max(watermark), cast('1970-01-01 00:00:00' as timestamp)) as watermark
    from {{ ref('stg_watermarks') }}
    where table_name = '{{ served_table() }}'
),

batch as (
    select c.order_id, c.status, c.changed_at, 'batch' as flow
    from {{ ref('stg_order_changes') }} as c
    cross join watermark as w
    -- A change the batch merged after it wrote the watermark is the stream's until its next run.
    where c.changed_at <= w.watermark
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
