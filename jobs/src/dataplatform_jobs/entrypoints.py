"""The wheel's entry points, one per job task: each parses its parameters, checks them, and
calls the transforms. Locations are parameters (s3:// on Databricks, directories locally), so
nothing here knows where it runs. --local starts a local Spark session with Delta (delta-spark
must be installed, as in this project's dev environment) instead of using Databricks' own."""

import argparse
import functools
import json
import logging
import re
import sys
from datetime import UTC, datetime, timedelta

from . import api, cdc, maintenance, register, settings, speed, tables
from . import local as spark_here
from . import reconcile as reconciliation

log = logging.getLogger("dataplatform_jobs")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def session(local):
    """Databricks' own session, or with --local one on this machine (local.session)."""
    if local:
        return spark_here.session()
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()


# Databricks pushes a job's parameters down to every wheel task with named parameters: each
# task of the batch job gets --day, whether it uses it or not.
JOB_PARAMETERS = ("day",)
OPTIONAL = ("day", "retention-days", "metric-namespace", "region", "streams", "schema")


def parser(description, *names):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--local", action="store_true", help="run on a local Spark session with Delta")
    for name in dict.fromkeys([*names, *JOB_PARAMETERS]):
        p.add_argument(f"--{name}", required=name not in OPTIONAL, default=None)
    return p


def location(value, name):
    if not value.endswith("/"):
        raise settings.InvalidSettings(f"--{name} {value!r} must end with /")
    return value


def dms_columns(args):
    return settings.Columns(args.op_column, args.timestamp_column, args.sequence_column)


def retention(args):
    days = int(args.retention_days or 7)
    if days < 7:
        raise settings.InvalidSettings(f"--retention-days {days}: Delta keeps at least 7 days")
    return days


CDC_ARGS = ("bronze", "silver", "tables", "op-column", "timestamp-column", "sequence-column", "retention-days")

# Each entry point's parameters, by its name in the wheel. The writers take every silver
# table's declaration (--silver-tables): they create a table from it and refuse to write a
# column it lacks (tables.ensure).
PARAMETERS = {
    "create_tables": ("silver", "tables", "created", "retention-days"),
    "cdc_to_silver": (*CDC_ARGS, "silver-tables"),
    "api_to_silver": ("bronze", "silver", "sources", "day-column", "day", "retention-days", "silver-tables"),
    "reconcile": CDC_ARGS,
    "maintain": ("silver", "tables", "sources", "streams", "retention-days"),
    "erase": ("silver", "tables", "table", "key", "retention-days"),
    "partition_history": ("silver", "tables", "op-column", "timestamp-column", "sequence-column", "silver-tables"),
    "register_tables": ("silver", "schema", "tables"),
    "speed_layer": (
        "bronze",
        "silver",
        "streams",
        "reader",
        "retention-days",
        "metric-namespace",
        "region",
        "silver-tables",
    ),  # fmt: skip
    "backfill_stream": (
        "bronze",
        "silver",
        "streams",
        "stream",
        "from",
        "to",
        "reader",
        "retention-days",
        "silver-tables",
    ),
}


def declare(args, silver, name="silver_tables"):
    """Declares the tables under silver that args (--silver-tables, or create_tables' --tables) give."""
    tables.declare(silver, settings.declared_tables(getattr(args, name), name.replace("_", "-")))


def arguments(fn):
    """The parser of entry point fn (a function of this module)."""
    return parser(fn.__doc__, *PARAMETERS[fn.__name__])


def main(fn):
    """Runs fn(argv) and turns a bad parameter into one line and exit code 2."""

    @functools.wraps(fn)
    def wrapped(argv=None):
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
        try:
            return fn(sys.argv[1:] if argv is None else argv)
        except settings.InvalidSettings as e:
            print(f"{fn.__name__}: {e}", file=sys.stderr)
            sys.exit(2)

    return wrapped


@main
def create_tables(argv):
    """Creates every declared silver table that does not exist yet, empty, with its declared
    schema and partitions (the batch job's first task): dbt's sources and Athena's views find
    every table before its first data. An existing table keeps its data. Each table it creates
    is recorded, with the time, in the table under --created (dbt's freshness of an empty table)."""
    args = arguments(create_tables).parse_args(argv)
    silver = location(args.silver, "silver")
    declare(args, silver, "tables")
    registry = silver + location(args.created, "created")
    if tables.declaration(registry) is None:
        raise settings.InvalidSettings(f"--created {args.created!r} is the prefix of no table of --tables")
    created = tables.create(session(args.local), retention(args), registry)
    log.info("created %d empty silver table(s): %s", len(created), ", ".join(created) or "none, all exist")


class TablesFailed(RuntimeError):
    """Tables of a run that were refused (their names and reasons); the run wrote the others."""


@main
def cdc_to_silver(argv):
    """Merges each replicated table's new bronze files into silver."""
    args = arguments(cdc_to_silver).parse_args(argv)
    bronze, silver = location(args.bronze, "bronze"), location(args.silver, "silver")
    declare(args, silver)
    replicated, columns, days = settings.rds_tables(args.tables), dms_columns(args), retention(args)
    spark = session(args.local)
    failed = []
    for table in replicated:
        # A refusal is one table's (its bronze or its declaration): the others still get their
        # silver, and the run fails at the end, naming each, so Airflow alerts.
        try:
            batches = cdc.run(spark, bronze, silver, table, columns, days)
        except (cdc.BadCommitTime, tables.Refused) as e:
            log.error("%s: refused; going on with the other tables: %s", table.name, e)
            failed.append(f"{table.name}: {type(e).__name__}: {e}")
            continue
        log.info("%s: %d batch(es) of new bronze files merged", table.name, batches)
    if failed:
        raise TablesFailed(
            f"{len(failed)} of {len(replicated)} replicated table(s) refused, every other one merged:\n  "
            + "\n  ".join(failed)
        )


@main
def api_to_silver(argv):
    """Types each API source's bronze day (or every day) into silver."""
    args = arguments(api_to_silver).parse_args(argv)
    bronze, silver = location(args.bronze, "bronze"), location(args.silver, "silver")
    day = args.day or None
    if day and not DAY.match(day):
        raise settings.InvalidSettings(f"--day {day!r} must be YYYY-MM-DD, or empty for every day")
    sources, days = settings.api_sources(args.sources), retention(args)
    declare(args, silver)
    spark = session(args.local)
    for source in sources:
        rows, bad = api.run(spark, bronze, silver, source, args.day_column, day, days)
        log.info("%s: %d row(s) in silver, %d record(s) quarantined", source.name, rows, bad)


@main
def reconcile(argv):
    """Fails when a replicated table's silver does not hold what its bronze says."""
    args = arguments(reconcile).parse_args(argv)
    report = reconciliation.check(
        session(args.local),
        location(args.bronze, "bronze"),
        location(args.silver, "silver"),
        settings.rds_tables(args.tables),
        dms_columns(args),
    )
    log.info("reconciled: %s", json.dumps(report, sort_keys=True))


@main
def register_tables(argv):
    """Registers silver's tables in the environment's Unity Catalog schema (none: nothing to do)."""
    args = arguments(register_tables).parse_args(argv)
    silver, schema = location(args.silver, "silver"), settings.schema(args.schema or "")
    tables = settings.silver_tables(args.tables)
    if not schema:
        log.info("no Unity Catalog schema: silver's tables are the Glue catalog's only")
        return
    register.register(session(args.local), silver, schema, tables)


@main
def maintain(argv):
    """OPTIMIZE and VACUUM every silver table."""
    args = arguments(maintain).parse_args(argv)
    silver = location(args.silver, "silver")
    tables, sources = settings.rds_tables(args.tables), settings.api_sources(args.sources)
    prefixes = [p for t in tables for p in (t.current, t.history, t.state + cdc.TOMBSTONES, t.state + cdc.ERASURES)]
    prefixes += [p for s in sources for p in (s.current, s.quarantine)]
    keys = {t.current: t.key for t in tables} | {s.current: s.key for s in sources}
    streams = settings.streams(args.streams or "[]")
    prefixes += [p for s in streams for p in (s.events, s.late, s.quarantine, s.state + speed.PROGRESS)]
    where = {s.events: speed.settled_days(s) for s in streams}
    done = maintenance.maintain(session(args.local), silver, prefixes, retention(args), keys, where)
    log.info("maintained %d table(s)", len(done))


@main
def erase(argv):
    """Erases one key from a replicated table's silver tables (a deletion request)."""
    args = arguments(erase).parse_args(argv)
    replicated = {t.name: t for t in settings.rds_tables(args.tables)}
    if args.table not in replicated:
        raise settings.InvalidSettings(f"--table {args.table!r}: not a replicated table; one of {sorted(replicated)}")
    try:
        key = json.loads(args.key)
    except json.JSONDecodeError:
        raise settings.InvalidSettings(
            f'--key {args.key!r}: must be a JSON object such as {{"customer_id": 42}}'
        ) from None
    if not isinstance(key, dict):
        raise settings.InvalidSettings(f'--key {args.key!r}: must be a JSON object such as {{"customer_id": 42}}')
    silver, table, days = location(args.silver, "silver"), replicated[args.table], retention(args)
    # An erasure writes only under the table's state prefix (its erasures): nothing declared.
    tables.declare(silver, [])
    try:
        erased = maintenance.erase(session(args.local), silver, table, key, datetime.now(UTC), days)
    except ValueError as e:
        raise settings.InvalidSettings(str(e)) from None
    log.info("erased %s from %s: %s", key, args.table, erased)


@main
def partition_history(argv):
    """Partitions each replicated table's history by its commit day, once (docs/jobs.md,
    "Partitioning an existing history"); a history already partitioned is left as it is."""
    args = arguments(partition_history).parse_args(argv)
    silver = location(args.silver, "silver")
    declare(args, silver)
    spark, columns = session(args.local), dms_columns(args)
    for table in settings.rds_tables(args.tables):
        done = maintenance.partition_history(spark, silver, table, columns)
        log.info("%s: history %s", table.name, "partitioned by its commit day" if done else "already as declared")


def reader_of(args):
    if args.reader not in speed.READERS:
        raise settings.InvalidSettings(f"--reader {args.reader!r}: one of {', '.join(speed.READERS)}")
    return args.reader


@main
def speed_layer(argv):
    """Runs the speed layer: every stream's bronze files into silver, continuously."""
    args = arguments(speed_layer).parse_args(argv)
    bronze, silver = location(args.bronze, "bronze"), location(args.silver, "silver")
    streams, reader, days = settings.streams(args.streams), reader_of(args), retention(args)
    if not streams:
        raise settings.InvalidSettings("--streams: empty; the speed layer is off for this environment")
    declare(args, silver)
    publish = None
    if args.metric_namespace:
        if not args.region:
            raise settings.InvalidSettings("--region: needed to publish to --metric-namespace")
        import boto3  # in every Databricks Runtime

        cloudwatch = boto3.client("cloudwatch", region_name=args.region)
        publish = functools.partial(speed.publish_freshness, cloudwatch, args.metric_namespace)
    for s in streams:
        log.info(
            "%s: Firehose buffers up to %d s, then a micro-batch every %d s, watermark %d s",
            s.name, s.buffering_seconds, s.trigger_seconds, s.watermark_seconds,
        )  # fmt: skip
    speed.run(session(args.local), bronze, silver, streams, reader, days, publish)


@main
def backfill_stream(argv):
    """Reprocesses one stream's bronze days FROM..TO (arrival days, YYYY-MM-DD) into silver."""
    args = arguments(backfill_stream).parse_args(argv)
    bronze, silver = location(args.bronze, "bronze"), location(args.silver, "silver")
    streams = {s.name: s for s in settings.streams(args.streams)}
    if args.stream not in streams:
        raise settings.InvalidSettings(f"--stream {args.stream!r}: one of {sorted(streams)}")
    declare(args, silver)
    window = []
    for name in ("from", "to"):
        value = getattr(args, name)
        if not DAY.match(value or ""):
            raise settings.InvalidSettings(f"--{name} {value!r} must be a day, YYYY-MM-DD")
        window.append(datetime.strptime(value, "%Y-%m-%d").date())
    first, last = window
    if last < first or (last - first).days > 366:
        raise settings.InvalidSettings(f"--from {first} --to {last}: must be a window of 1 to 367 days, from before to")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    batches = speed.backfill(
        session(args.local), bronze, silver, streams[args.stream], days, reader_of(args), retention(args)
    )
    log.info("%s: %d batch(es) backfilled from %s to %s", args.stream, batches, first, last)
