-- Per day and event type on the site: events, distinct users and sessions (the speed layer's
-- events, one per event ID). Incremental by day: a run rebuilds the newest day it holds and
-- the days after, partitioned by day on Athena. Late events the backfill merges into older
-- days reach those days on a full refresh (dbt build --full-refresh --select daily_web_events).
{{ config(
    materialized='incremental',
    unique_key=['event_date', 'event_type'],
    incremental_strategy=upsert_strategy(),
    partitioned_by=['event_date'],
) }}

select
    event_date,
    event_type,
    count(*) as events,
    count(distinct user_id) as users,
    count(distinct session_id) as sessions
from {{ ref('stg_web_events') }}
{% if is_incremental() %}
where event_date >= (select max(event_date) from {{ this }})
{% endif %}
group by event_date, event_type
