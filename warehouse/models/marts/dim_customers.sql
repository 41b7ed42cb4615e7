-- One row per customer: the customer dimension of the order facts.
select
    customer_id,
    email,
    full_name,
    country,
    cast(created_at as {{ gold_timestamp() }}) as created_at
from {{ ref('stg_customers') }}
