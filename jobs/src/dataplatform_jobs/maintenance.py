"""Maintenance of silver: OPTIMIZE compacts small files, VACUUM removes files no version within
the retention needs (so "as of" reaches back retention_days), and erase removes every trace of
one key from a replicated table's silver tables (a deletion request)."""

import json

from pyspark.sql import functions as F

from . import cdc, tables


def maintain(spark, silver, prefixes, retention_days, keys=None, where=None):
    """OPTIMIZE then VACUUM each existing table under silver; returns the tables maintained.
    A table with a key in keys ({prefix: key columns}) is also ordered by it (Z-order), so each
    file holds a narrow range of keys and a MERGE of a few changes rewrites a few files.

    The speed layer merges into its events table while this runs, and a compaction of the days
    a merge read makes the merge start again: where ({prefix: partition predicate}) limits
    OPTIMIZE to the days its merges no longer reach. Its other tables take blind appends only,
    which never conflict with a compaction."""
    done = []
    keys, where = keys or {}, where or {}
    for prefix in prefixes:
        if tables.existing(spark, silver + prefix) is None:
            continue
        table = tables.keep_properties(spark, silver + prefix, retention_days)
        if prefix in keys:
            table.optimize().executeZOrderBy(*keys[prefix])
        elif prefix in where:
            table.optimize().where(where[prefix]).executeCompaction()
        else:
            table.optimize().executeCompaction()
        table.vacuum(retention_days * 24)
        done.append(prefix)
    return done


def erase(spark, silver, table, key_values, at, retention_days=7):
    """Deletes the key (a {column: value} of table.key) from the table's current state, history
    and delete markers, and records its erasure at at (a timestamp) under the table's state
    prefix: no change committed before the erasure brings it back (cdc.without_erased, which
    reconcile applies too), while a later re-insert still does. The deleted files go at the
    next VACUUM past the retention; bronze keeps DMS's files (docs/jobs.md, "Erasing a key").
    Returns the rows deleted per table."""
    if set(key_values) != set(table.key):
        raise ValueError(f"{table.name}: a key is {list(table.key)}, not {sorted(key_values)}")
    # Recorded first: if a delete below fails, the next run of the CDC job cannot restore the key.
    record = spark.createDataFrame(
        [(json.dumps({k: key_values[k] for k in table.key}, separators=(",", ":")), at)], cdc.ERASURE_SCHEMA
    )
    path = silver + table.state + cdc.ERASURES
    erasures = tables.ensure(spark, path, cdc.ERASURE_SCHEMA, retention_days)
    on = tables.key_match([cdc.ERASED_KEY])
    erasures.alias("t").merge(record.alias("s"), on).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()

    match = None
    for column, value in key_values.items():
        term = F.col(f"`{column}`") == F.lit(value)
        match = term if match is None else match & term
    erased = {}
    for prefix in (table.current, table.history, table.state + cdc.TOMBSTONES):
        t = tables.existing(spark, silver + prefix)
        if t is not None:
            erased[prefix] = t.toDF().where(match).count()
            t.delete(match)
            if erased[prefix]:
                # The delete marks the key's rows in deletion vectors, and their data files,
                # still holding them, stay in the table: PURGE rewrites the files without them,
                # so the old files go at the next VACUUM past the retention.
                spark.sql(f"REORG TABLE delta.`{(silver + prefix).rstrip('/')}` APPLY (PURGE)")
    return erased


def partition_history(spark, silver, table, columns):
    """Rewrites the table's history, once, as config declares it: partitioned by the commit day
    (cdc.commit_day). A history made before that declaration is refused by every CDC run
    (tables.conform) until this has run. One overwrite, one commit: a reader sees the history
    before or after, never half, and time travel keeps the old version until VACUUM. Returns
    True if it rewrote the history, False if it was already as declared (or does not exist)."""
    path = (silver + table.history).rstrip("/")
    declared = tables.declaration(path)
    if declared is None:
        raise tables.Refused(f"{table.name}: config declares no history at {path}")
    history = tables.existing(spark, path)
    partition = tables.partition_names(declared)
    if history is None or list(history.detail().first().partitionColumns) == partition:
        return False
    names = tables.declared_schema(declared).names
    rows = history.toDF().withColumns({day: cdc.commit_day(columns) for day in partition})
    # Delta reads the version it planned on, so overwriting the table from itself is safe.
    (
        rows.select(*[F.col(f"`{n}`") for n in names])
        .write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .partitionBy(*partition)
        .save(path)
    )
    return True
