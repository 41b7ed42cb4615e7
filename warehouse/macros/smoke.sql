-- The smoke run's marked data (dags/platform_smoke.py, docs/operations.md "Smoke run") never
-- reaches gold: each staging model over a table or stream the smoke marks filters it out here.
-- Canary orders have negative IDs (config/sources/smoke_setup.sql refuses any other), which
-- also marks a delete's row, whose other columns are null; they belong to the canary customer
-- (config.SmokeCanaryCustomerID); canary events' IDs start with config.SmokeEventPrefix.

{% macro not_canary_order(column='order_id') -%}
    {{ column }} >= 0
{%- endmacro %}

{% macro not_canary_customer(column='customer_id') -%}
    {{ column }} <> {{ smoke_canary_customer() }}
{%- endmacro %}

{% macro not_canary_event(column='event_id') -%}
    not starts_with({{ column }}, {{ smoke_event_prefix() }})
{%- endmacro %}

