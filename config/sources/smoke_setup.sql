-- The smoke run's writer in the source database, set up once per database by its master user
-- (docs/operations.md, "Smoke run: one-time set-up"):
--
--   psql "host=<endpoint> dbname=<db> user=<master> sslmode=require" \
--     -v smoke_password="<password of the canary secret>" -f config/sources/smoke_setup.sql
--
-- PostgreSQL 15 and later revoke CREATE on schema public from everyone, so the smoke's schema and
-- functions are made here, by the owner of the tables, and not by the smoke. The role
-- platform_smoke logs in with the canary secret (its own, rotated by Secrets Manager) and holds
-- no table privilege: it may only call the functions below, which run as their owner
-- (SECURITY DEFINER) and touch only orders of the canary customer (customer_id -1,
-- config.SmokeCanaryCustomerID) whose order_id is negative. The staging models filter that
-- customer out, so no marked row reaches gold. Running the file again changes nothing but the
-- password.

\set ON_ERROR_STOP on
BEGIN;

SELECT format('CREATE ROLE platform_smoke LOGIN PASSWORD %L', :'smoke_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'platform_smoke') \gexec
ALTER ROLE platform_smoke PASSWORD :'smoke_password';

CREATE SCHEMA IF NOT EXISTS platform_smoke;
REVOKE ALL ON SCHEMA platform_smoke FROM PUBLIC;
GRANT USAGE ON SCHEMA platform_smoke TO platform_smoke;

-- The customer every canary order belongs to.
INSERT INTO public.customers (customer_id, email, full_name, country, created_at)
VALUES (-1, 'platform-smoke@example.invalid', 'platform smoke canary', NULL, now())
ON CONFLICT (customer_id) DO NOTHING;

-- Places a canary order: one insert, committed by the caller.
CREATE OR REPLACE FUNCTION platform_smoke.place_order(id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF id >= 0 THEN
        RAISE EXCEPTION 'platform_smoke.place_order: order_id % is not negative; canary orders have negative ids', id;
    END IF;
    INSERT INTO public.orders (order_id, customer_id, status, total, currency, ordered_at, updated_at)
    VALUES (id, -1, 'smoke-placed', 0, 'XXX', clock_timestamp(), clock_timestamp());
END $$;

-- Changes a canary order's status: one update. Returns the rows changed (0 for any other order).
CREATE OR REPLACE FUNCTION platform_smoke.ship_order(id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE changed integer;
BEGIN
    UPDATE public.orders SET status = 'smoke-shipped', updated_at = clock_timestamp()
    WHERE order_id = id AND id < 0 AND customer_id = -1;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END $$;

-- Deletes a canary order: one delete. Returns the rows deleted (0 for any other order).
CREATE OR REPLACE FUNCTION platform_smoke.cancel_order(id bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE changed integer;
BEGIN
    DELETE FROM public.order_items WHERE order_id = id AND id < 0
        AND EXISTS (SELECT FROM public.orders o WHERE o.order_id = id AND o.customer_id = -1);
    DELETE FROM public.orders WHERE order_id = id AND id < 0 AND customer_id = -1;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END $$;

-- Deletes every canary order left behind (the smoke's clean-up). Returns how many.
CREATE OR REPLACE FUNCTION platform_smoke.clear_orders() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE changed integer;
BEGIN
    DELETE FROM public.order_items WHERE order_id IN
        (SELECT order_id FROM public.orders WHERE customer_id = -1 AND order_id < 0);
    DELETE FROM public.orders WHERE customer_id = -1 AND order_id < 0;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END $$;

-- The canary orders there are now, for the smoke's checks.
CREATE OR REPLACE FUNCTION platform_smoke.canary_orders() RETURNS TABLE (order_id bigint, status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT order_id, status FROM public.orders WHERE customer_id = -1 AND order_id < 0 ORDER BY order_id
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA platform_smoke FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA platform_smoke TO platform_smoke;

COMMIT;
