-- Per day and event type on the site: events, distinct users and sessions (the speed layer's
-- events, one per event ID).
{{ config(partitioned_by=['event_date']) }}

select
    event_date,
    event_type,
    count(*) as events,
    count(distinct user_id) as users,
    count(distinct session_id) as sessions
from {{ ref('stg_web_events') }}
group by event_date, event_type
