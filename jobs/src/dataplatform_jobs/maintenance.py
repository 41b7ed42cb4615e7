"""Maintenance of silver: OPTIMIZE compacts small files, VACUUM removes files no version within
the retention needs (so "as of" reaches back retention_days), and erase removes every trace of
one key from a replicated table's silver tables (a deletion request)."""

from delta.tables import DeltaTable
from pyspark.sql import functions as F

from . import cdc


def maintain(spark, silver, prefixes, retention_days, keys=None):
    """OPTIMIZE then VACUUM each existing table under silver; returns the tables maintained.
    A table with a key in keys ({prefix: key columns}) is also ordered by it (Z-order), so each
    file holds a narrow range of keys and a MERGE of a few changes rewrites a few files."""
    done = []
    keys = keys or {}
    for prefix in prefixes:
        path = (silver + prefix).rstrip("/")
        if not DeltaTable.isDeltaTable(spark, path):
            continue
        table = DeltaTable.forPath(spark, path)
        if prefix in keys:
            table.optimize().executeZOrderBy(*keys[prefix])
        else:
            table.optimize().executeCompaction()
        table.vacuum(retention_days * 24)
        done.append(prefix)
    return done


def erase(spark, silver, table, columns, key_values, at):
    """Deletes the key (a {column: value} of table.key) from the table's current state and
    history, and marks it deleted as of at (a timestamp), so that no change committed before the
    erasure brings it back, while a later re-insert still does. The files that held it go at
    the next VACUUM after the retention; bronze keeps DMS's files (docs/jobs.md, "Erasing a key").
    Returns the rows deleted per table."""
    if set(key_values) != set(table.key):
        raise ValueError(f"{table.name}: a key is {list(table.key)}, not {sorted(key_values)}")
    match = None
    for column, value in key_values.items():
        term = F.col(f"`{column}`") == F.lit(value)
        match = term if match is None else match & term
    erased = {}
    for prefix in (table.current, table.history):
        path = (silver + prefix).rstrip("/")
        if DeltaTable.isDeltaTable(spark, path):
            t = DeltaTable.forPath(spark, path)
            erased[prefix] = t.toDF().where(match).count()
            t.delete(match)
    path = (silver + table.state + "tombstones/").rstrip("/")
    if DeltaTable.isDeltaTable(spark, path):
        marks = DeltaTable.forPath(spark, path)
        key_types = {f.name: f.dataType for f in marks.toDF().schema.fields}
        marker = spark.createDataFrame([[*(key_values[k] for k in table.key)]], [*table.key]).select(
            *[F.col(k).cast(key_types[k]) for k in table.key],
            F.lit(at).cast("timestamp").alias(columns.timestamp),
            F.lit("").alias(columns.sequence),
            F.lit(True).alias(cdc.CDC),
        )
        on = " AND ".join(f"s.`{k}` = t.`{k}`" for k in table.key)
        marks.alias("t").merge(marker.alias("s"), on).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()
    return erased
