-- The customers as they are now (silver's current state of public.customers).
select
    customer_id,
    email,
    full_name,
    country,
    created_at
from {{ source('silver', 'public_customers') }}
-- Never the smoke run's marked data (macros/smoke.sql).
where {{ not_canary_customer() }}
