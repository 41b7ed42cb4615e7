-- Per day and event type on the site: events, distinct users and sessions (the speed layer's
-- events, one per event ID). Incremental by day, partitioned by day on Athena: a run rebuilds
-- the newest day it holds and the days after, one partition back (meta.lookback,
-- macros/lookback.sql). Late events the backfill merges into older days reach those days on a
-- full refresh (dbt build --full-refresh --select daily_web_events), which force_batch writes
-- in batches of 100 days from the start instead of after a failed CTAS. A column added to the
-- model is added to the table (on_schema_change), its older rows null.
{{ config(
    materialized='incremental',
    unique_key=['event_date', 'event_type'],
    incremental_strategy=upsert_strategy(),
    partitioned_by=['event_date'],
    meta={'lookback': {'column': 'event_date', 'partitions': 1}},
    on_schema_change='append_new_columns',
    force_batch=true,
    partitions_limit=100,
) }}

select
    event_date,
    event_type,
    count(*) as events,
    count(distinct user_id) as users,
    count(distinct session_id) as sessions
from {{ ref('stg_web_events') }}
{% if is_incremental() %}
where {{ incremental_lookback() }}
{% endif %}
group by event_date, event_type
