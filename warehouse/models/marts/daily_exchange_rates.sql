-- Per day and quoted currency, the rate against the base currency (USD).
{{ config(partitioned_by=['rate_date']) }}

select
    rate_date,
    base_currency,
    quote_currency,
    rate
from {{ ref('stg_exchange_rates') }}
