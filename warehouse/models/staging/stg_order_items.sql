-- The order lines as they are now (silver's current state of public.order_items).
select
    order_id,
    line_number,
    sku,
    quantity,
    unit_price
from {{ source('silver', 'public_order_items') }}
-- Never the smoke run's marked data (macros/smoke.sql).
where {{ not_canary_order() }}
