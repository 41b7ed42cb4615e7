-- The sample source: the orders database that DMS captures (schema public). README's
-- quick start loads it into the RDS instance; config.Silver.Tables names these tables and
-- their primary keys (a test compares the two), and the jobs' tests generate DMS's bronze
-- files from these columns. Keep one column per line: the tests read this file.
CREATE TABLE public.customers (
    customer_id bigint NOT NULL,
    email text NOT NULL,
    full_name text NOT NULL,
    country char(2),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (customer_id)
);

-- orders.updated_at is set on every change: the change key the orders-events stream carries
-- too (config warehouse.serving), so the serving view recognises one change in both flows.
CREATE TABLE public.orders (
    order_id bigint NOT NULL,
    customer_id bigint NOT NULL REFERENCES public.customers (customer_id),
    status text NOT NULL,
    total numeric(12, 2) NOT NULL,
    currency char(3) NOT NULL,
    ordered_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (order_id)
);

CREATE TABLE public.order_items (
    order_id bigint NOT NULL REFERENCES public.orders (order_id),
    line_number integer NOT NULL,
    sku text NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(12, 2) NOT NULL,
    PRIMARY KEY (order_id, line_number)
);

-- DMS's logical replication needs a primary key (or REPLICA IDENTITY FULL) on every
-- captured table to replicate updates and deletes.
