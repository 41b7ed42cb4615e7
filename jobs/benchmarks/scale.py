"""The growth benchmark (make bench-scale): does a day's run cost the same on day 400 as on
day 40? One replicated table (public.orders, the served table, so the run records its
watermark too) with a history of DAYS days of PER_DAY changes after its full load, generated
straight into silver (not through merges, which would take hours), and a current table of KEYS
rows. Then one bronze file of the same 10,000 changes on the newest 20,000 keys (as orders see
them), committed on the history's newest day, and one run of the CDC job over it.

The compared runs differ only in the table's size and the days of history (ten times both), and
in the history's layout: "by day" is the declared one (partitioned by the commit day, the merge
reading the batch's days only), "whole" the history as it was before (the same files, no
partition: the declaration without its partition, which the job then merges without a day
predicate). Bytes read is the history MERGE's numTargetBytesAfterSkipping, from Spark's SQL
metrics; the Delta log's checkpoint and commits, which every snapshot reads first, are reported
apart. Printed as a Markdown table for docs/jobs.md, with the bench's wall time."""

import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from delta.tables import DeltaTable
from pyspark.sql import functions as F

from benchmarks.merge import change_mix, jvm_peak_mib, session
from dataplatform_jobs import cdc, maintenance, settings, tables
from fixtures import bundle, dms, rows

# (keys, days of changes after the full load): at PER_DAY changes a day, about 1M and 10M
# history rows. BENCH_SCALE="keys:days,..." runs others.
SCALES = [
    tuple(int(x) for x in s.split(":")) for s in os.environ.get("BENCH_SCALE", "100000:36,1000000:360").split(",")
]
PER_DAY = 25_000
TABLE = "public.orders"
FIRST_DAY = datetime(2025, 1, 1, tzinfo=UTC)  # the full load's; the changes' days follow it


def declared(variables, partitioned):
    """The bundle's silver declarations; with partitioned False, every history without its
    partition (the layout before the commit day)."""
    entries = json.loads(variables["silver_tables"])
    if not partitioned:
        for e in entries:
            if e["name"].endswith("_history"):
                e["partition_keys"] = []
    return settings.declared_tables(json.dumps(entries))


def value(name, kind, key, at):
    """A column's value for row id at commit time at (a Column), by its Hive type: keys as the
    fixtures' rows make them (rows.KEY_BASE + n), so the bronze changes hit generated keys."""
    n = F.col("n")
    if name in key:
        return (F.lit(rows.KEY_BASE) + n).cast(kind)
    if kind == "string":
        return F.concat(F.lit(f"{name}-"), n.cast("string"))
    if kind == "timestamp":
        return at
    if kind == "date":
        return F.to_date(at)
    if kind == "boolean":
        return n % 2 == 0
    return (n % 1_000_000).cast(kind)  # numbers and decimals: decimal(12,2) holds a million


def source_rows(schema, key, columns, ids, at, op, is_change):
    """Rows of ids (a DataFrame with column n) as the CDC job keeps them: the declared columns,
    DMS's operation, commit time (at) and sequence, the change flag and the bronze file."""
    ts = columns.timestamp
    if is_change:
        sequence = F.concat(
            F.date_format(ts, "yyyyMMddHHmmss"), F.lit("00"), F.lpad(F.col("n").cast("string"), 19, "0")
        )
        bronze_file = F.concat(F.date_format(ts, "yyyyMMdd-HHmmss"), F.lit(".parquet"))
    else:
        sequence, bronze_file = F.lit(None).cast("string"), F.lit("LOAD00000001.parquet")
    made = {
        ts: F.col(ts),
        columns.op: F.lit(op),
        columns.sequence: sequence,
        cdc.CDC: F.lit(is_change),
        cdc.BRONZE_FILE: bronze_file,
    }
    kept = [
        made.get(f.name, value(f.name, f.dataType.simpleString(), key, F.col(ts))).alias(f.name) for f in schema.fields
    ]
    return ids.withColumn(ts, at).select(*kept)


def generate(spark, silver, table, columns, keys, days):
    """silver's current table (keys rows, key-ordered as maintenance leaves it) and history (the
    full load on FIRST_DAY, then PER_DAY updates a day for days days, one file a day as the
    daily runs write them), written directly. Returns the newest day."""
    key = table.key
    history_path, current_path = silver + table.history, silver + table.current
    declared_history = tables.declaration(history_path)
    partition = tables.partition_names(declared_history)
    history_schema = tables.declared_schema(declared_history)
    start = F.lit(FIRST_DAY.replace(tzinfo=None)).cast("timestamp")
    loaded_at = start + F.expr("INTERVAL 12 HOURS")
    keys_frame = spark.range(keys).withColumnRenamed("id", "n")
    load = source_rows(history_schema, key, columns, keys_frame, loaded_at, "I", False)
    changes = spark.range(days * PER_DAY).select(
        ((F.col("id") * 7919) % keys).alias("n"),
        (F.floor(F.col("id") / PER_DAY) + 1).cast("int").alias("day"),
        (F.col("id") % PER_DAY).alias("i"),
    )
    at = F.timestamp_seconds(F.unix_seconds(start) + F.col("day") * 86400 + F.floor(F.col("i") * 86400 / PER_DAY))
    updates = source_rows(
        history_schema, key, columns, changes.withColumn("at", at).drop("day", "i"), F.col("at"), "U", True
    )
    history = load.unionByName(updates, allowMissingColumns=False)
    day = cdc.commit_day(columns)
    # About a file a day, as the daily runs write them (the full load in files of as many rows).
    history = history.withColumns({p: day for p in partition}).repartitionByRange(days + 1, day)
    tables.ensure(spark, history_path, history.schema, 7, partition)
    history.write.format("delta").mode("append").save(history_path.rstrip("/"))

    current_schema = tables.declared_schema(tables.declaration(current_path))
    current = source_rows(current_schema, key, columns, keys_frame, loaded_at, "I", False)
    tables.ensure(spark, current_path, current.schema, 7)
    current.write.format("delta").mode("append").save(current_path.rstrip("/"))
    maintenance.maintain(spark, silver, [table.current], 7, {table.current: key})
    checkpoint(spark, history_path)
    return FIRST_DAY + timedelta(days=days)


def checkpoint(spark, path):
    """A checkpoint of the table at path, as Delta writes one every few commits: what a year of
    daily runs would have left, so a snapshot reads the checkpoint, not one commit of every file."""
    jvm = spark._jvm
    jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path.rstrip("/")).checkpoint()


def log_bytes(path):
    """(bytes of the newest checkpoint, bytes of the commits after it): what a snapshot reads."""
    log = os.path.join(path, "_delta_log")
    names = os.listdir(log)
    parts = sorted(n for n in names if ".checkpoint" in n and n.endswith(".parquet"))
    newest = int(parts[-1].split(".")[0]) if parts else -1
    checkpoint_bytes = sum(os.path.getsize(os.path.join(log, n)) for n in parts if int(n.split(".")[0]) == newest)
    commits = sum(
        os.path.getsize(os.path.join(log, n)) for n in names if n.endswith(".json") and int(n.split(".")[0]) > newest
    )
    return checkpoint_bytes, commits


def scala(sequence):
    it = sequence.iterator()
    while it.hasNext():
        yield it.next()


def last_execution(spark):
    store = spark._jsparkSession.sharedState().statusStore()
    return max((e.executionId() for e in scala(store.executionsList())), default=-1)


def merges_since(spark, execution):
    """The SQL metrics of every MERGE that ran after execution (an id), in order: {name: value}."""
    store = spark._jsparkSession.sharedState().statusStore()
    out = []
    for e in sorted(scala(store.executionsList()), key=lambda e: e.executionId()):
        if e.executionId() <= execution:
            continue
        values = store.executionMetrics(e.executionId())
        metrics = {}
        for m in scala(e.metrics()):
            v = values.get(m.accumulatorId())
            if v.isDefined():
                metrics[m.name()] = int(v.get().replace(",", "")) if v.get().replace(",", "").isdigit() else v.get()
        if "number of target bytes after skipping" in metrics:
            out.append(metrics)
    return out


def change_file(bronze, table, columns, keys, newest_day):
    """The bronze file of the bench's changes (merge.change_mix's "recent" mix, on the newest
    keys), committed on the newest day."""
    writer = dms.writer(bronze, table, columns)
    order_columns = dms.hive_columns(dms.declarations()[TABLE])
    at = newest_day + timedelta(hours=18)
    changes = change_mix(keys, "recent", lambda i, version: rows.row(order_columns, i, at, table.key, version))
    writer.changes(changes, at=at)


def bench(spark, variables, table, columns, keys, days, partitioned):
    root = tempfile.mkdtemp(prefix="bench-scale-")
    bronze, silver = root + "/bronze/", root + "/silver/"
    tables.declare(silver, declared(variables, partitioned))
    t = time.time()
    newest_day = generate(spark, silver, table, columns, keys, days)
    generate_s = time.time() - t
    history = DeltaTable.forPath(spark, (silver + table.history).rstrip("/"))
    detail = history.detail().first()
    history_rows = history.toDF().count()
    checkpoint_bytes, commit_bytes = log_bytes((silver + table.history).rstrip("/"))
    change_file(bronze, table, columns, keys, newest_day)
    since = last_execution(spark)
    t = time.time()
    cdc.run(spark, bronze, silver, table, columns)
    run_s = time.time() - t
    history_merge = merges_since(spark, since)[0]
    # The first MERGE of a run is the history's: it read the whole table before skipping.
    assert history_merge["number of target bytes before skipping"] == detail.sizeInBytes, history_merge
    (last,) = history.history(1).collect()
    migrate_s = None
    if not partitioned:
        # The one-time step that partitions such a history (docs/jobs.md), timed.
        tables.declare(silver, declared(variables, True))
        t = time.time()
        maintenance.partition_history(spark, silver, table, columns)
        migrate_s = time.time() - t
    shutil.rmtree(root, ignore_errors=True)
    return {
        "layout": "by day" if partitioned else "whole",
        "keys": keys,
        "days": days,
        "history_rows": history_rows,
        "history_bytes": detail.sizeInBytes,
        "history_files": detail.numFiles,
        "read_bytes": history_merge["number of target bytes after skipping"],
        "read_files": history_merge["number of target files after skipping"],
        "checkpoint_bytes": checkpoint_bytes,
        "commit_bytes": commit_bytes,
        "inserted": int(last.operationMetrics["numTargetRowsInserted"]),
        "merge_ms": int(last.operationMetrics["executionTimeMs"]),
        "run_s": run_s,
        "generate_s": generate_s,
        "migrate_s": migrate_s,
    }


def seconds(s):
    return "" if s is None else f"{s:.1f} s"


def mib(n):
    return f"{n / 1024 / 1024:,.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KiB"


def main():
    start = time.time()
    spark = session({"spark.ui.showConsoleProgress": "false"})
    variables = bundle.target_variables()
    columns = bundle.dms_columns(variables)
    table = {t.name: t for t in settings.rds_tables(variables["rds_tables"])}[TABLE]
    print(
        "| history | keys | days | history rows | files | size | read by the merge | files read | checkpoint | commits after it | rows inserted | history merge | run | partition_history |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for partitioned in (False, True):
        for keys, days in SCALES:
            r = bench(spark, variables, table, columns, keys, days, partitioned)
            print(
                f"| {r['layout']} | {r['keys']:,} | {r['days']} | {r['history_rows']:,} | {r['history_files']:,} | {mib(r['history_bytes'])} | "
                f"{mib(r['read_bytes'])} | {r['read_files']} | {mib(r['checkpoint_bytes'])} | {mib(r['commit_bytes'])} | {r['inserted']:,} | "
                f"{r['merge_ms'] / 1000:.1f} s | {r['run_s']:.1f} s | {seconds(r['migrate_s'])} |",
                flush=True,
            )
    print(f"\nwall time {time.time() - start:.0f} s; peak memory: JVM {jvm_peak_mib(spark)} MiB")
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
