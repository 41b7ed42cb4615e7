-- The orders stream's status changes, one row per event ID (the speed layer's silver), with
-- the change key the database's changes carry too. event_date is the stream table's partition
-- (the UTC day of event_time): a filter on it reads those days only.
select
    event_id,
    order_id,
    customer_id,
    status,
    amount,
    currency,
    {{ change_key() }} as changed_at,
    event_time,
    {{ stream_day_column() }} as event_date
from {{ source('silver', 'kinesis_orders_events') }}
-- Never the smoke run's marked data (macros/smoke.sql).
where {{ not_canary_event() }} and {{ not_canary_order() }}
