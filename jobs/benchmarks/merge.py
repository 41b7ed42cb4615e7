"""The CDC merge benchmark (make bench-jobs): a full load of N rows into silver, then one
batch of 10,000 changes, for N = 100,000 and 1,000,000, on local Spark with Delta. It prints
the times and the MERGE's Delta operationMetrics: the goal is that files rewritten and rows
copied follow the number of changes, not the table's size, which the metrics show and the
times alone cannot (Spark's fixed overhead flattens them). Silver's tables have deletion
vectors (tables.properties), so the MERGE marks replaced rows in vectors (the vectors added)
instead of copying their files' other rows. Two change mixes: "recent" (the
updates and deletes hit the newest 20,000 keys, as orders do, plus inserts of new keys) and
"uniform" (updates anywhere). Between the load and the changes the table is maintained as the
maintenance job does it (OPTIMIZE ordered by the key), with files of at most 1 MB."""

import functools
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from delta.tables import DeltaTable

from dataplatform_jobs import cdc, local, maintenance, settings, tables
from fixtures import bundle, dms, rows

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
CHANGES = 10_000
# The "recent" mix changes keys among the newest RECENT_KEYS, as an orders table sees it.
RECENT_KEYS = 20_000
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@functools.cache
def customers_table():
    """The customers table's (columns, key), from the tables file."""
    declared = dms.declarations()["public.customers"]
    return dms.hive_columns(declared), tuple(declared["key"])


def customer(i, version=0):
    """Row i of the customers table: version 1 is an update of it."""
    columns, key = customers_table()
    return rows.row(columns, i, T0, key, version)


def session(conf=None):
    """The benchmarks' local session (2 cores, a 4 GB driver), with conf on top."""
    spark = local.session(
        "local[2]",
        {
            "spark.sql.shuffle.partitions": "4",
            "spark.databricks.delta.snapshotPartitions": "2",
            "spark.sql.sources.parallelPartitionDiscovery.parallelism": "4",
            "spark.driver.memory": "4g",
            "spark.ui.enabled": "false",
            "spark.databricks.delta.optimize.maxFileSize": str(1024 * 1024),
            **(conf or {}),
        },
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def jvm_peak_mib(spark):
    pid = spark._jvm.java.lang.ProcessHandle.current().pid()
    with open(f"/proc/{pid}/status") as f:
        hwm = next(line for line in f if line.startswith("VmHWM"))
    return int(hwm.split()[1]) // 1024


def merge_metrics(spark, path):
    (last,) = DeltaTable.forPath(spark, path).history(1).collect()
    m = last.operationMetrics
    keys = [
        "numTargetFilesRemoved",
        "numTargetFilesAdded",
        "numTargetRowsCopied",
        "numTargetRowsUpdated",
        "numTargetRowsInserted",
        "numTargetRowsDeleted",
        "numTargetDeletionVectorsAdded",
    ]
    return last.operation, {k: int(m.get(k, 0)) for k in keys}


def change_mix(size, mix, row):
    """The CHANGES changes of a table of size keys (0 to size - 1): 85% updates and 5% deletes of
    keys drawn from the newest RECENT_KEYS ("recent") or from all ("uniform"), 10% new keys. row(i,
    version) is key i's row, version 1 its update."""
    rng = random.Random(size)
    recent = range(size - RECENT_KEYS, size) if mix == "recent" else range(size)
    touched = rng.sample(recent, CHANGES - CHANGES // 10)
    updates = len(touched) - CHANGES // 20
    changes = [("U", row(i, 1)) for i in touched[:updates]]
    changes += [("D", row(i, 0)) for i in touched[updates:]]
    changes += [("I", row(size + i, 0)) for i in range(CHANGES - len(changes))]
    return changes


def bench(spark, table, columns, size, mix):
    root = tempfile.mkdtemp(prefix="bench-")
    bronze, silver = root + "/bronze/", root + "/silver/"
    tables.declare(silver, settings.declared_tables(bundle.target_variables()["silver_tables"]))
    writer = dms.writer(bronze, table, columns)
    # The full load, in DMS's files of 100,000 rows.
    for start in range(0, size, 100_000):
        writer.full_load([customer(i) for i in range(start, min(size, start + 100_000))])
    t = time.time()
    cdc.run(spark, bronze, silver, table, columns)
    load_seconds = time.time() - t
    current = (silver + table.current).rstrip("/")
    maintenance.maintain(spark, silver, [table.current], 7, {table.current: table.key})
    files = len(spark.read.format("delta").load(current).inputFiles())

    changes = change_mix(size, mix, customer)
    writer.clock += timedelta(hours=1)
    writer.changes(changes)
    t = time.time()
    cdc.run(spark, bronze, silver, table, columns)
    merge_seconds = time.time() - t
    operation, metrics = merge_metrics(spark, current)
    shutil.rmtree(root, ignore_errors=True)
    return {
        "rows": size,
        "mix": mix,
        "load_s": load_seconds,
        "load_rows_per_s": size / load_seconds,
        "files": files,
        "merge_s": merge_seconds,
        "operation": operation,
        **metrics,
    }


def main():
    spark = session()
    v = bundle.target_variables()
    columns = bundle.dms_columns(v)
    table = {t.name: t for t in settings.rds_tables(v["rds_tables"])}["public.customers"]
    print(
        "| rows | changes | mix | full load | rows/s | files | merge | files rewritten | files added | rows copied "
        "| rows copied, of the table | deletion vectors added | updated | inserted | deleted |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in SIZES:
        for mix in ("recent", "uniform"):
            r = bench(spark, table, columns, size, mix)
            print(
                f"| {r['rows']:,} | {CHANGES:,} | {mix} | {r['load_s']:.1f} s | {r['load_rows_per_s']:,.0f} | {r['files']} | {r['merge_s']:.1f} s | "
                f"{r['numTargetFilesRemoved']} | {r['numTargetFilesAdded']} | {r['numTargetRowsCopied']:,} | "
                f"{r['numTargetRowsCopied'] / size:.1%} | {r['numTargetDeletionVectorsAdded']} | {r['numTargetRowsUpdated']:,} | "
                f"{r['numTargetRowsInserted']:,} | {r['numTargetRowsDeleted']:,} |",
                flush=True,
            )
    print(
        f"\npeak memory: JVM {jvm_peak_mib(spark)} MiB, Python {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB"
    )
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
