-- The stream's status changes after the batch job's watermark: what the batch has not merged
-- yet, the speed side of both serving views. A change the batch merged after it wrote the
-- watermark (a run that died in between) is the stream's until a run records a newer one.
-- The stream table is partitioned by event_date; an event is sent after its change, so its day
-- is at least the watermark's, less a day for clocks: the predicate reads those days only
-- (on Athena through Trino's dynamic filtering, which prunes on a join's range conditions).
with watermark as (
    {{ served_watermark() }}
)

select e.order_id, e.status, e.changed_at, 'speed' as flow
from {{ ref('stg_order_events') }} as e
cross join watermark as w
where
    e.changed_at > w.watermark
    and e.event_date >= {{ dbt.dateadd('day', -1, 'cast(w.watermark as date)') }}
