-- Every change of an order that the batch job has merged (silver's history of public.orders):
-- the status it left, or deleted, and when. A change's time is its change key; under
-- PostgreSQL's default replica identity a delete carries only the order's key (its change key
-- and status are null), so it takes the time DMS committed it. commit_date is the history's
-- partition: a filter on it reads those days only.
select
    order_id,
    case when {{ dms_op_column() }} = 'D' then 'deleted' else status end as status,
    case when {{ dms_op_column() }} = 'D' then {{ dms_commit_column() }} else {{ change_key() }} end as changed_at,
    {{ history_day_column() }} as commit_date
from {{ source('silver', 'public_orders_history') }}
-- Never the smoke run's marked data (macros/smoke.sql).
where {{ not_canary_order() }}
