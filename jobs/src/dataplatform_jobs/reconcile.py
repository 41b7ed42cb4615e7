"""Reconciliation: after a run, each replicated table's silver must hold what its bronze files
say, counted two ways: the current rows are the keys whose newest change (in the CDC merge's
order) is not a delete, and the history holds each distinct change once. A table whose counts
differ fails the run, naming the table and both counts."""

from pyspark.sql import functions as F

from . import cdc, tables


class Unreconciled(RuntimeError):
    """Silver does not hold what bronze says."""


def expected(bronze_rows, table, columns):
    """(current rows, history rows) that bronze_rows (labelled, see cdc.label) imply."""
    changes = cdc.distinct_changes(bronze_rows, table.key, columns)
    live = cdc.newest_per_key(changes, table.key, columns).where(F.col(f"`{columns.op}`") != "D")
    return live.count(), changes.count()


def processed_files(spark, silver, table):
    """The names of the bronze files the CDC job's stream has committed (its checkpoint's
    source log): DMS keeps writing while the job runs, and a file that came after the run is
    not silver's to hold yet."""
    log = (silver + table.state + cdc.CHECKPOINT + "sources/0/").rstrip("/")
    try:
        lines = spark.read.text(log).where(F.col("value").startswith("{"))
    except Exception as e:
        if tables.missing_path(e):
            return spark.createDataFrame([], "name string")
        raise
    path = F.get_json_object("value", "$.path")
    return lines.select(F.regexp_extract(path, r"([^/]+)$", 1).alias("name")).distinct()


def counts(spark, bronze, silver, table, columns):
    """{"bronze_current", "silver_current", "bronze_history", "silver_history"} of table: bronze
    as far as the job has read it, less the erased keys' changes."""
    schema = cdc.bronze_schema(spark, bronze + table.bronze)
    if schema is None:
        return {"bronze_current": 0, "silver_current": 0, "bronze_history": 0, "silver_history": 0}
    rows = cdc.label(cdc.read_files(spark.read.schema(schema), bronze + table.bronze))
    done = processed_files(spark, silver, table)
    rows = rows.join(done, rows[cdc.BRONZE_FILE] == done["name"], "left_semi")
    rows = cdc.commit_time(rows, table, columns)  # as the job reads it: a UTC timestamp
    rows = cdc.without_erased(spark, rows, table, columns, silver)
    want_current, want_history = expected(rows, table, columns)
    return {
        "bronze_current": want_current,
        "silver_current": rows_of(spark, silver + table.current),
        "bronze_history": want_history,
        "silver_history": rows_of(spark, silver + table.history),
    }


def rows_of(spark, path):
    """The rows of the Delta table at path; 0 before the job first wrote it."""
    table = tables.existing(spark, path)
    return 0 if table is None else table.toDF().count()


def check(spark, bronze, silver, tables, columns):
    """Counts every table; raises Unreconciled naming each that differs. Returns the counts."""
    report, wrong = {}, []
    for table in tables:
        c = report[table.name] = counts(spark, bronze, silver, table, columns)
        if c["bronze_current"] != c["silver_current"] or c["bronze_history"] != c["silver_history"]:
            wrong.append(
                f"{table.name}: bronze implies {c['bronze_current']} current rows and {c['bronze_history']} changes, "
                f"silver holds {c['silver_current']} and {c['silver_history']}"
            )
    if wrong:
        raise Unreconciled("silver does not reconcile with bronze: " + "; ".join(wrong))
    return report
