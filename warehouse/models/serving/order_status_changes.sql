-- Every change of an order's status in the serving window, each once, from the flow that has
-- it: the batch job's silver up to its watermark, committed in the serving_changes_days() days
-- before it (warehouse.serving.changesDays), then the stream after it. A change both flows carry
-- (the batch caught up with the stream) is the batch's only. The window is on the history's
-- partition, so a query reads those days, not the whole history.
with watermark as (
    {{ served_watermark() }}
),

batch as (
    select c.order_id, c.status, c.changed_at, 'batch' as flow
    from {{ ref('stg_order_changes') }} as c
    cross join watermark as w
    where
        c.changed_at <= w.watermark
        and c.commit_date >= {{ dbt.dateadd('day', -serving_changes_days(), 'cast(w.watermark as date)') }}
)

select * from batch
union all
select * from {{ ref('order_status_stream') }}
