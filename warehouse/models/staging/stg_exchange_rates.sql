-- The day's exchange rates, one row per day and quoted currency: Coinbase gives each day's
-- rates against the base currency as one map (the API source's silver).
select
    dt as rate_date,
    currency as base_currency,
    quote_currency,
    cast(rate as decimal(38, 10)) as rate
from {{ explode_map(source('silver', 'api_coinbase_usd_exchange_rates'), 'rates', 'quote_currency', 'rate') }}
