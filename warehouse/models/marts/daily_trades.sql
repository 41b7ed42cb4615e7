-- Per product and day: how many trades, their volume and notional, the volume-weighted average
-- price, and the day's range. Incremental by day: a run rebuilds the days it has new trades
-- for (a day's trades can arrive in two runs), partitioned by day on Athena.
{{ config(
    materialized='incremental',
    unique_key=['product', 'trade_date'],
    incremental_strategy=upsert_strategy(),
    partitioned_by=['trade_date'],
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
where trade_date >= (select max(trade_date) from {{ this }})
{% endif %}
group by product, trade_date
