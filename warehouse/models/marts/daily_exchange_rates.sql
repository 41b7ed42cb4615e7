-- Per day and quoted currency, the rate against the base currency (USD). A day's rates are
-- that day's (the API source's key is currency and day): once a day is in gold only a re-run
-- of its ingestion changes it. So the table grows by the day, incrementally, instead of being
-- rebuilt whole (a rebuild's statements grow with its days: one batch per 100). A run rebuilds
-- the last 7 days it holds and the days after (meta.lookback, macros/lookback.sql): an API
-- DAG run cleared and re-run within a week reaches gold on the next run; an older one on a
-- full refresh (dbt build --full-refresh --select daily_exchange_rates). force_batch: a first
-- build or a full refresh writes in batches of 100 days from the start instead of after a
-- failed CTAS. A column added to the model is added to the table (on_schema_change).
{{ config(
    materialized='incremental',
    unique_key=['rate_date', 'base_currency', 'quote_currency'],
    incremental_strategy=upsert_strategy(),
    partitioned_by=['rate_date'],
    meta={'lookback': {'column': 'rate_date', 'partitions': 7}},
    on_schema_change='append_new_columns',
    force_batch=true,
    partitions_limit=100,
) }}

select
    rate_date,
    base_currency,
    quote_currency,
    rate
from {{ ref('stg_exchange_rates') }}
{% if is_incremental() %}
where {{ incremental_lookback() }}
{% endif %}
