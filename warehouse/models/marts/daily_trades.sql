-- Per product and day: how many trades, their volume and notional, the volume-weighted average
-- price, and the day's range. Incremental by day, partitioned by day on Athena: a run rebuilds
-- its newest day (a day's trades can arrive in two runs) and the days after it, one partition
-- back whatever gold's age (meta.lookback, macros/lookback.sql). A column added to the model
-- is added to the table (on_schema_change), its older rows null. force_batch: a first build or
-- a full refresh writes every day at once, in batches of 100 days from the start instead of
-- after a failed CTAS; a daily run's one or two days make one batch.
{{ config(
    materialized='incremental',
    unique_key=['product', 'trade_date'],
    incremental_strategy=upsert_strategy(),
    partitioned_by=['trade_date'],
    meta={'lookback': {'column': 'trade_date', 'partitions': 1}},
    on_schema_change='append_new_columns',
    force_batch=true,
    partitions_limit=100,
) }}

with trades as (
    select *, cast(traded_at as date) as trade_date
    from {{ ref('stg_trades') }}
)

select
    product,
    trade_date,
    count(*) as trades,
    cast(sum(size) as decimal(38, 10)) as volume,
    cast(sum(price * size) as decimal(38, 10)) as notional,
    cast(sum(price * size) / sum(size) as decimal(38, 10)) as vwap,
    min(price) as low,
    max(price) as high
from trades
{% if is_incremental() %}
where {{ incremental_lookback() }}
{% endif %}
group by product, trade_date
