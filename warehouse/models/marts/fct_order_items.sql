-- One row per order line, with its amount.
select
    order_id,
    line_number,
    sku,
    quantity,
    unit_price,
    cast(quantity * unit_price as decimal(14, 2)) as line_total
from {{ ref('stg_order_items') }}
