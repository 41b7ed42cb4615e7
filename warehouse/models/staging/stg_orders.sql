-- The orders as they are now (silver's current state of public.orders).
select
    order_id,
    customer_id,
    status,
    total,
    currency,
    ordered_at,
    updated_at
from {{ source('silver', 'public_orders') }}
-- Never the smoke run's marked data (macros/smoke.sql).
where {{ not_canary_order() }}
