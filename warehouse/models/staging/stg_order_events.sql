-- The orders stream's status changes, one row per event ID (the speed layer's silver), with
-- the change key the database's changes carry too.
select
    event_id,
    order_id,
    customer_id,
    status,
    amount,
    currency,
    {{ change_key() }} as changed_at,
    event_time
from {{ source('silver', 'kinesis_orders_events') }}
