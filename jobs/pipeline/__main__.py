"""Bronze to silver, locally: the first half of `make pipeline`.

1. Sample bronze for every source the staging target declares (jobs/targets.yml, generated
   from config), in its producer's layout, under the target's prefixes: the hand-written
   scenario for the sample sources it knows (the orders database's tables as DMS writes them,
   a full load then changes; the Coinbase sources' days as the API DAG writes them, with its
   own code, dags/platform_lib/bronze.py; both streams' objects as Firehose writes them, gzip
   JSON Lines and Parquet), each only if it is declared; and a generic seeded sample for every
   other declared source (fixtures/samples.py: a table's full load, inserts, updates, deletes
   and a replayed file; a stream's duplicates, late event and malformed record; an API
   source's re-ingested day and malformed record), its keys apart from the scenario's.
2. Every declared table created empty, as the batch job's first task does, then the batch jobs
   (the CDC merge of each table, each API source's days) and one availableNow run of the speed
   layer's queries, on local Spark with Delta, into silver; then the generic samples' second
   step (a late event, a re-ingested day) and the jobs again for those sources. The orders'
   changes reach bronze after the first CDC run, as DMS's changes follow its full load, and a
   second run merges them: its MERGE marks the rows it replaces in deletion vectors, which
   every reader of silver then reads (docs/jobs.md, "Silver tables").
3. sample.json: what the scenario holds, and for each generic source the rows each of its
   silver tables must hold, by table name, for the warehouse's tests and the gold report.

The orders stream carries the same status changes as the database, with the same change key
(updated_at), and more: orders paid after the batch's run, and orders the database has not
delivered to bronze yet. So the serving view has both flows to answer from.

    python -m pipeline --root .pipeline
    python -m pipeline --root /tmp/p --only public.widgets,clicks   # those sources only

--only runs the named sources alone (tables as schema.table, streams and API sources by name),
through the same jobs, in one Spark session, without the batch job's create and first-run
steps, which are every table's.
"""

import argparse
import decimal
import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta

from benchmarks.merge import session as local_session
from dataplatform_jobs import api, cdc, entrypoints, local, settings, speed
from dataplatform_jobs import tables as silver_tables
from fixtures import bundle, dms, samples
from fixtures.api import write_day
from fixtures.firehose import Delivery, event

CUSTOMERS, ORDERS = 20, 60
# Of the orders: PAID are paid in the database's changes (and in the stream, the same changes),
# SHIPPED of those shipped in the stream only, since the batch's run; the last order is deleted
# in the database; NEW_IN_STREAM orders exist in the stream only.
PAID, SHIPPED, NEW_IN_STREAM = 20, 10, 5
WEB_EVENTS, TRADES = 300, {"coinbase_btc_usd_trades": 100, "coinbase_eth_usd_trades": 60}
# Each trade a day before the one before it, BTC-USD's from t0's day back, then ETH-USD's: 160
# days, more than the 100 partitions Athena writes a statement, so that the warehouse's Athena
# build test (warehouse/tests/test_athena_build.py) batches daily_trades' first build.
TRADES_BEFORE = {"coinbase_btc_usd_trades": 0, "coinbase_eth_usd_trades": TRADES["coinbase_btc_usd_trades"]}
QUIET = {**local.FEW_ROWS, **local.SHORT_RUN, "spark.ui.showConsoleProgress": "false"}
# The sources the hand-written scenario knows: the sample's.
DATABASE = ("public.customers", "public.orders", "public.order_items")
EXCHANGE_RATES = "coinbase_usd_exchange_rates"
API_SCENARIO = (*TRADES, EXCHANGE_RATES)
STREAM_SCENARIO = ("web-events", "orders-events")
# The smoke run's marked data, as it writes it (dags/platform_smoke.py through
# config/sources/smoke_setup.sql): the canary customer, two canary orders (negative IDs) placed,
# the first shipped and the second cancelled, and marked events on each stream. The warehouse's
# staging models filter all of it out: its tests check that silver has it and gold does not.
CANARY_CUSTOMER, CANARY_ORDERS, SMOKE_EVENT_PREFIX = -1, (-11, -12), "platform-smoke-"


def now_hour():
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


class Sources:
    """The declared sources a run writes and processes: every one, or those only names."""

    def __init__(self, variables, only=None):
        self.tables = {t.name: t for t in settings.rds_tables(variables["rds_tables"])}
        self.api = {s.name: s for s in settings.api_sources(variables["api_sources"])}
        self.streams = {s.name: s for s in settings.streams(variables["streams"])}
        if only is not None:
            declared = {*self.tables, *self.api, *self.streams}
            unknown = sorted(set(only) - declared)
            if unknown:
                raise SystemExit(
                    f"--only {','.join(sorted(only))}: {', '.join(unknown)} declared nowhere; the staging target "
                    f"declares {', '.join(sorted(declared))}"
                )
            self.tables = {k: v for k, v in self.tables.items() if k in only}
            self.api = {k: v for k, v in self.api.items() if k in only}
            self.streams = {k: v for k, v in self.streams.items() if k in only}


def sample_database(bronze, tables, columns, t0, declared):
    """customers, orders and their lines as DMS writes them (those of the three tables
    declared): the full load at t0; then (the function returned, for after the first CDC run)
    a day's changes: orders paid, and one deleted. Returns (orders, paid, that function), which
    returns the table it wrote changes of, if any."""
    writers = {name: dms.writer(bronze, tables[name], columns, declared[name]) for name in DATABASE if name in tables}
    customers = [
        {
            "customer_id": c,
            "email": f"c{c}@example.com",
            "full_name": f"Customer {c}",
            "country": "DE",
            "created_at": t0,
        }
        for c in range(1, CUSTOMERS + 1)
    ] + [
        {
            "customer_id": CANARY_CUSTOMER,
            "email": "platform-smoke@example.invalid",
            "full_name": "platform smoke canary",
            "country": None,
            "created_at": t0,
        }
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
    for name, rows in zip(DATABASE, (customers, orders, items), strict=True):
        if name in writers:
            writers[name].full_load(rows, at=t0)
    paid = [dict(o, status="paid", updated_at=t0 + timedelta(minutes=10, seconds=o["order_id"])) for o in orders[:PAID]]

    canary = [
        {
            "order_id": o,
            "customer_id": CANARY_CUSTOMER,
            "status": "smoke-placed",
            "total": decimal.Decimal("0.00"),
            "currency": "XXX",
            "ordered_at": t0 + timedelta(minutes=11),
            "updated_at": t0 + timedelta(minutes=11),
        }
        for o in CANARY_ORDERS
    ]
    shipped = dict(canary[0], status="smoke-shipped", updated_at=t0 + timedelta(minutes=11, seconds=1))
    smoke = [("I", canary[0]), ("I", canary[1]), ("U", shipped), ("D", canary[1])]

    def changes():
        if "public.orders" not in writers:
            return None
        writers["public.orders"].changes(
            [("U", o) for o in paid] + [("D", orders[-1])] + smoke, at=t0 + timedelta(minutes=11)
        )
        return tables["public.orders"]

    return orders, paid, changes


def trade_time(t0, source, i):
    """When the scenario's trade i (from 1) of source happened, as Coinbase writes it."""
    at = t0 - timedelta(days=TRADES_BEFORE[source] + i - 1) + timedelta(seconds=i)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sample_api(bronze, sources, day, t0):
    """A day of each API source of the scenario, as the API DAG writes it."""
    records = {
        "coinbase_btc_usd_trades": [
            {
                "trade_id": i,
                "side": "buy" if i % 2 else "sell",
                "price": f"{65000 + i}.50",
                "size": "0.0100",
                "time": trade_time(t0, "coinbase_btc_usd_trades", i),
            }
            for i in range(1, TRADES["coinbase_btc_usd_trades"] + 1)
        ],
        "coinbase_eth_usd_trades": [
            {
                "trade_id": i,
                "side": "buy",
                "price": f"{3000 + i % 10}.25",
                "size": "0.5000",
                "time": trade_time(t0, "coinbase_eth_usd_trades", i),
            }
            for i in range(1, TRADES["coinbase_eth_usd_trades"] + 1)
        ],
        EXCHANGE_RATES: [{"currency": "USD", "rates": {"EUR": "0.92", "GBP": "0.79", "JPY": "155.20"}}],
    }
    for source in sources:
        write_day(bronze, source.name, records[source.name], day)


def sample_streams(bronze, streams, orders, paid, t0):
    """The scenario's streams' objects (those declared) as Firehose writes them. orders-events:
    the payments the database has too (the same updated_at), shipments after the batch's run,
    and new orders the database has not delivered yet; web-events: page events over the last
    hours."""
    if web := streams.get("web-events"):
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
        page_events.append(event(web, WEB_EVENTS, t0, event_id=f"{SMOKE_EVENT_PREFIX}1-0"))
        Delivery(bronze, web).deliver(page_events, arrival=t0 + timedelta(minutes=91))
    order_stream = streams.get("orders-events")
    if not order_stream:
        return

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
    marked = {"order_id": CANARY_ORDERS[0], "customer_id": CANARY_CUSTOMER, "total": 0, "currency": "XXX"}
    changes.append(
        dict(order_event(300, marked, "smoke-shipped", t0 + timedelta(minutes=45)), event_id=f"{SMOKE_EVENT_PREFIX}1-1")
    )
    Delivery(bronze, order_stream).deliver(changes, arrival=t0 + timedelta(minutes=46))


def scenario_counts(sources):
    """What the hand-written scenario holds, for the warehouse's tests: of the sources declared."""
    out = {}
    if "public.customers" in sources.tables:
        out["customers"] = CUSTOMERS
    if "public.orders" in sources.tables:
        out.update(orders=ORDERS, paid=PAID, deleted=1)
    if "orders-events" in sources.streams:
        out.update(shipped=SHIPPED, new_in_stream=NEW_IN_STREAM)
    if "web-events" in sources.streams:
        out["web_events"] = WEB_EVENTS
    out["smoke"] = {
        "customer": CANARY_CUSTOMER,
        "orders": list(CANARY_ORDERS),
        "event_prefix": SMOKE_EVENT_PREFIX,
    }
    trades = {name: count for name, count in TRADES.items() if name in sources.api}
    if trades:
        out["trades"] = trades
    return out


def generic_samples(bronze, sources, variables, columns, t0, declared):
    """{source name: its generic sample} for every source the scenario does not know."""
    out = {}
    for name, table in sources.tables.items():
        if name not in DATABASE:
            out[name] = samples.TableSample(bronze, table, declared[name], columns, t0)
    for name, source in sources.api.items():
        if name not in API_SCENARIO:
            out[name] = samples.ApiSample(bronze, source, variables["api_day_column"], t0)
    for name, stream in sources.streams.items():
        if name not in STREAM_SCENARIO:
            out[name] = samples.StreamSample(bronze, stream, t0)
    return out


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
    for task in bundle.RESOURCES["bronze_to_silver"]["tasks"]:
        needs = {d["task_key"] for d in task.get("depends_on", [])}
        assert needs <= done, f"{task['task_key']} is listed before the tasks it depends on: {sorted(needs - done)}"
        wheel = bundle.substitute(task["python_wheel_task"], local)
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


def speed_run(spark, bronze, silver, streams):
    for stream in streams:
        for query in speed.start(spark, bronze, silver, stream, "files", 7, trigger={"availableNow": True}):
            query.awaitTermination()


def silver_counts(spark, silver, expected, names):
    """{silver table name: its rows} of the tables in expected (prefixes)."""
    return {names[p]: spark.read.format("delta").load((silver + p).rstrip("/")).count() for p in expected}


def run(root, variables, only=None, declared=None, spark=None):
    """The pipeline under root (emptied first) for the sources variables declare (only those
    named in only, if given); declared is the tables file (dms.declarations), by default the
    generated one. A session given is used and left running; otherwise one is made and stopped.
    Returns (steps, sample): seconds per step, and what sample.json holds."""
    shutil.rmtree(root, ignore_errors=True)
    bronze, silver = os.path.join(root, "bronze") + "/", os.path.join(root, "silver") + "/"
    os.makedirs(bronze)
    os.makedirs(silver)
    declared = declared or dms.declarations()
    sources = Sources(variables, only)
    columns = bundle.dms_columns(variables)
    # Recent enough for dbt's source freshness: the sample's hour starts three hours ago.
    t0 = now_hour() - timedelta(hours=3)
    steps = {}
    later = {}

    def write_bronze():
        orders, paid, later["changes"] = sample_database(bronze, sources.tables, columns, t0, declared)
        sample_api(bronze, [s for n, s in sources.api.items() if n in API_SCENARIO], t0.date(), t0)
        sample_streams(bronze, sources.streams, orders, paid, t0)
        made = generic_samples(bronze, sources, variables, columns, t0, declared)
        for sample in made.values():
            sample.first()
        return made

    generic = timed(steps, "bronze: sample sources in the producers' layouts", write_bronze)
    own = spark is None
    # The tests' settings: on a few thousand rows Spark's generated code costs more than it saves.
    spark = spark or timed(steps, "spark: a local session with Delta", lambda: local_session(QUIET))
    # As the jobs do: every write is held to config's declarations (silver_tables), and the
    # batch job's first task (create_tables) makes every table, recording when, before any data.
    declarations = settings.declared_tables(variables["silver_tables"])
    silver_tables.declare(silver, declarations)
    if only is None:
        timed(
            steps,
            "create: every declared table, empty, as the batch job's first task",
            lambda: silver_tables.create(spark, 7, silver + variables["tables_created"]),
        )

    def batch():
        for table in sources.tables.values():
            cdc.run(spark, bronze, silver, table, columns)
        # The orders' changes, after their full load was merged: updates and a delete of loaded
        # rows, which the MERGE marks in deletion vectors instead of rewriting their file.
        changed = later["changes"]()
        if changed is not None:
            cdc.run(spark, bronze, silver, changed, columns)
        for source in sources.api.values():
            api.run(spark, bronze, silver, source, variables["api_day_column"])

    timed(steps, "batch: CDC merge and API days to silver", batch)
    timed(
        steps,
        "speed: one availableNow run of each stream",
        lambda: speed_run(spark, bronze, silver, sources.streams.values()),
    )

    def again():
        for name, sample in generic.items():
            day = sample.second()
            if name in sources.api:
                api.run(spark, bronze, silver, sources.api[name], variables["api_day_column"], day.isoformat())
        speed_run(spark, bronze, silver, [s for n, s in sources.streams.items() if n in generic])

    if generic:
        timed(steps, "generic: a late event, a re-ingested day, the jobs again", again)
    if only is None:
        timed(
            steps, "first run: the batch job on empty bronze", lambda: first_run(variables, os.path.join(root, "empty"))
        )
    names = {t.prefix: t.name for t in declarations}
    sample = scenario_counts(sources)
    # What silver must hold of each generic source, by silver table; and what it holds.
    sample["generic"] = {name: {names[p]: n for p, n in s.expected.items()} for name, s in generic.items()}
    held = {name: silver_counts(spark, silver, s.expected, names) for name, s in generic.items()}
    if own:
        spark.stop()
    wrong = {name: (held[name], want) for name, want in sample["generic"].items() if held[name] != want}
    if wrong:
        raise SystemExit(f"silver does not hold what the generic samples must give (held, wanted): {wrong}")
    return steps, sample


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="where bronze/ and silver/ go (emptied first)")
    parser.add_argument("--only", help="comma-separated source names: run those sources alone")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    only = {n.strip() for n in args.only.split(",") if n.strip()} if args.only is not None else None
    steps, sample = run(root, bundle.target_variables(), only)
    with open(os.path.join(root, "steps.json"), "w") as f:
        json.dump(steps, f, indent=2)
    with open(os.path.join(root, "sample.json"), "w") as f:
        json.dump(sample, f, indent=2)
    for name, seconds in steps.items():
        print(f"{seconds:7.1f} s  {name}")


if __name__ == "__main__":
    main()
