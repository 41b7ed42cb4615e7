-- The web-events stream's page events, one row per event ID (the speed layer's silver).
select
    event_id,
    event_type,
    user_id,
    session_id,
    page,
    event_time,
    event_date
from {{ source('silver', 'kinesis_web_events') }}
-- Never the smoke run's marked data (macros/smoke.sql).
where {{ not_canary_event() }}
