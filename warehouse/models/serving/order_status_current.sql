-- The current status of each order, answered by both flows: its newest change in
-- order_status_changes. A deleted order is gone.
with ranked as (
    select
        *,
        row_number() over (partition by order_id order by changed_at desc, flow desc) as newest
    from {{ ref('order_status_changes') }}
)

select order_id, status, changed_at, flow
from ranked
where newest = 1 and status <> 'deleted'
