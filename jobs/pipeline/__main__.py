"""Bronze to silver, locally: the first half of `make pipeline`.

1. Sample sources, generated from what the platform declares: the orders database's tables
   (config/sources/orders.sql) as DMS writes them (a full load, then changes), the API
   sources' days as the API DAG writes them (its own code, dags/platform_lib/bronze.py), and
   both streams' objects as Firehose writes them (gzip JSON Lines, Parquet), all under the
   staging target's prefixes (jobs/targets.yml, generated from config).
2. Every declared table created empty, as the batch job's first task does, then the batch jobs
   (the CDC merge of each table, each API source's day) and one availableNow run of the speed
   layer's queries, on local Spark with Delta, into silver.

The orders stream carries the same status changes as the database, with the same change key
(updated_at), and more: orders paid after the batch's run, and orders the database has not
delivered to bronze yet. So the serving view has both flows to answer from.

    python -m pipeline --root .pipeline
"""

import argparse
import decimal
import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta

from benchmarks.merge import session as local_session
from dataplatform_jobs import api, cdc, entrypoints, settings, speed
from dataplatform_jobs import tables as silver_tables
from tests import conftest, dms
from tests.api_bronze import write_day
from tests.firehose import Delivery, event
from tests.test_bundle import RESOURCES, substitute

CUSTOMERS, ORDERS = 20, 60
# Of the orders: PAID are paid in the database's changes (and in the stream, the same changes),
# SHIPPED of those shipped in the stream only, since the batch's run; the last order is deleted
# in the database; NEW_IN_STREAM orders exist in the stream only.
PAID, SHIPPED, NEW_IN_STREAM = 20, 10, 5
WEB_EVENTS, TRADES = 300, {"coinbase_btc_usd_trades": 100, "coinbase_eth_usd_trades": 60}
QUIET = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.ui.showConsoleProgress": "false",
}


def now_hour():
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def sample_database(bronze, tables, columns, t0):
    """customers, orders and their lines as DMS writes them: the full load at t0, then a day's
    changes: orders paid, and one deleted."""
    writers = {name: dms.writer(bronze, tables[name], columns) for name in dms.source_tables()}
    customers = [
        {
            "customer_id": c,
            "email": f"c{c}@example.com",
            "full_name": f"Customer {c}",
            "country": "DE",
            "created_at": t0,
        }
        for c in range(1, CUSTOMERS + 1)
    ]
    orders, items = [], []
    for o in range(1, ORDERS + 1):
        lines = [
            {
                "order_id": o,
                "line_number": n,
                "sku": f"SKU-{(o + n) % 9}",
                "quantity": n,
                "unit_price": decimal.Decimal("9.50"),
            }
            for n in range(1, o % 3 + 2)
        ]
        items += lines
        ordered = t0 - timedelta(minutes=ORDERS - o)
        total = sum(line["quantity"] * line["unit_price"] for line in lines)
        orders.append(
            {
                "order_id": o,
                "customer_id": (o % CUSTOMERS) + 1,
                "status": "new",
                "total": total,
                "currency": "EUR",
                "ordered_at": ordered,
                "updated_at": ordered,
            }
        )
    for name, rows in (("public.customers", customers), ("public.orders", orders), ("public.order_items", items)):
        writers[name].full_load(rows, at=t0)
    paid = [dict(o, status="paid", updated_at=t0 + timedelta(minutes=10, seconds=o["order_id"])) for o in orders[:PAID]]
    writers["public.orders"].changes([("U", o) for o in paid] + [("D", orders[-1])], at=t0 + timedelta(minutes=11))
    return orders, paid


def sample_api(bronze, sources, day, t0):
    """A day of each API source, as the API DAG writes it."""
    records = {
        "coinbase_btc_usd_trades": [
            {
                "trade_id": i,
                "side": "buy" if i % 2 else "sell",
                "price": f"{65000 + i}.50",
                "size": "0.0100",
                "time": (t0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            for i in range(1, TRADES["coinbase_btc_usd_trades"] + 1)
        ],
        "coinbase_eth_usd_trades": [
            {
                "trade_id": i,
                "side": "buy",
                "price": f"{3000 + i % 10}.25",
                "size": "0.5000",
                "time": (t0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            for i in range(1, TRADES["coinbase_eth_usd_trades"] + 1)
        ],
        "coinbase_usd_exchange_rates": [{"currency": "USD", "rates": {"EUR": "0.92", "GBP": "0.79", "JPY": "155.20"}}],
    }
    for source in sources:
        write_day(bronze, source.name, records[source.name], day)


def sample_streams(bronze, streams, orders, paid, t0):
    """The streams' objects as Firehose writes them. orders-events: the payments the database
    has too (the same updated_at), shipments after the batch's run, and new orders the database
    has not delivered yet; web-events: page events over the last hours."""
    web, order_stream = streams["web-events"], streams["orders-events"]
    page_events = [
        event(
            web,
            n,
            t0 + timedelta(minutes=n % 90),
            event_type=("page_view", "click", "add_to_cart")[n % 3],
            user_id=f"user-{n % 25}",
            session_id=f"session-{n % 40}",
            page=f"/p/{n % 12}",
        )
        for n in range(WEB_EVENTS)
    ]
    Delivery(bronze, web).deliver(page_events, arrival=t0 + timedelta(minutes=91))

    def order_event(n, order, status, at):
        return event(
            order_stream,
            n,
            at,
            order_id=order["order_id"],
            customer_id=order["customer_id"],
            status=status,
            amount=float(order["total"]),
            currency=order["currency"],
            updated_at=at,
        )

    changes = [order_event(n, o, "paid", o["updated_at"]) for n, o in enumerate(paid)]
    changes += [
        order_event(100 + n, o, "shipped", t0 + timedelta(minutes=40, seconds=n)) for n, o in enumerate(paid[:SHIPPED])
    ]
    for n in range(NEW_IN_STREAM):
        new = {"order_id": ORDERS + 1 + n, "customer_id": 1, "total": decimal.Decimal("19.00"), "currency": "EUR"}
        changes.append(order_event(200 + n, new, "new", t0 + timedelta(minutes=45, seconds=n)))
    Delivery(bronze, order_stream).deliver(changes, arrival=t0 + timedelta(minutes=46))


def first_run(variables, root):
    """The batch job's first run on empty bronze and a fresh silver under root: every task of
    bronze_to_silver, in order, through its entry point, with the parameters the bundle gives it
    (the staging target's variables, the buckets replaced by root's folders). It leaves every
    declared table in silver, empty: warehouse/tests/test_before_first_data.py builds gold over
    it."""
    bronze, silver = os.path.join(root, "bronze") + "/", os.path.join(root, "silver") + "/"
    os.makedirs(bronze)
    os.makedirs(silver)
    local = dict(variables, bronze_uri=bronze, silver_uri=silver)
    done = set()
    for task in RESOURCES["bronze_to_silver"]["tasks"]:
        needs = {d["task_key"] for d in task.get("depends_on", [])}
        assert needs <= done, f"{task['task_key']} is listed before the tasks it depends on: {sorted(needs - done)}"
        wheel = substitute(task["python_wheel_task"], local)
        # The job's parameter (day) as Airflow leaves it: empty.
        parameters = {k: v.replace("{{job.parameters.day}}", "") for k, v in wheel["named_parameters"].items()}
        argv = [a for k, v in parameters.items() for a in (f"--{k}", v)]
        getattr(entrypoints, wheel["entry_point"])(["--local", *argv])
        done.add(task["task_key"])


def timed(steps, name, fn):
    start = time.monotonic()
    result = fn()
    steps[name] = round(time.monotonic() - start, 1)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="where bronze/ and silver/ go (emptied first)")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    shutil.rmtree(root, ignore_errors=True)
    bronze, silver = os.path.join(root, "bronze") + "/", os.path.join(root, "silver") + "/"
    os.makedirs(bronze)
    os.makedirs(silver)
    variables = conftest.target_variables()
    tables = {t.name: t for t in settings.rds_tables(variables["rds_tables"])}
    sources = settings.api_sources(variables["api_sources"])
    streams = {s.name: s for s in settings.streams(variables["streams"])}
    columns = settings.Columns(variables["op_column"], variables["timestamp_column"], variables["sequence_column"])
    # Recent enough for dbt's source freshness: the sample's hour starts three hours ago.
    t0 = now_hour() - timedelta(hours=3)
    steps = {}

    def write_bronze():
        orders, paid = sample_database(bronze, tables, columns, t0)
        sample_api(bronze, sources, t0.date(), t0)
        sample_streams(bronze, streams, orders, paid, t0)

    timed(steps, "bronze: sample sources in the producers' layouts", write_bronze)
    # The tests' settings: on a few thousand rows Spark's generated code costs more than it saves.
    spark = timed(steps, "spark: a local session with Delta", lambda: local_session(QUIET))
    # As the jobs do: every write is held to config's declarations (silver_tables), and the
    # batch job's first task (create_tables) makes every table, recording when, before any data.
    silver_tables.declare(silver, settings.declared_tables(variables["silver_tables"]))
    timed(
        steps,
        "create: every declared table, empty, as the batch job's first task",
        lambda: silver_tables.create(spark, 7, silver + variables["tables_created"]),
    )

    def batch():
        for table in tables.values():
            cdc.run(spark, bronze, silver, table, columns)
        for source in sources:
            api.run(spark, bronze, silver, source, variables["api_day_column"])

    def streaming():
        for stream in streams.values():
            for query in speed.start(spark, bronze, silver, stream, "files", 7, trigger={"availableNow": True}):
                query.awaitTermination()

    timed(steps, "batch: CDC merge and API days to silver", batch)
    timed(steps, "speed: one availableNow run of each stream", streaming)
    timed(steps, "first run: the batch job on empty bronze", lambda: first_run(variables, os.path.join(root, "empty")))
    spark.stop()
    with open(os.path.join(root, "steps.json"), "w") as f:
        json.dump(steps, f, indent=2)
    # What the sample holds, for the pipeline's test and report to check gold against.
    sample = {
        "customers": CUSTOMERS,
        "orders": ORDERS,
        "paid": PAID,
        "shipped": SHIPPED,
        "deleted": 1,
        "new_in_stream": NEW_IN_STREAM,
        "web_events": WEB_EVENTS,
        "trades": TRADES,
    }
    with open(os.path.join(root, "sample.json"), "w") as f:
        json.dump(sample, f, indent=2)
    for name, seconds in steps.items():
        print(f"{seconds:7.1f} s  {name}")


if __name__ == "__main__":
    main()
