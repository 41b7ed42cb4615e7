"""How the jobs create and evolve silver's Delta tables: the table features every reader
handles, and new nullable columns added explicitly before a write that needs them."""

from delta.tables import DeltaTable

# Features Athena, the deltalake package and DuckDB (through it) all read: no deletion vectors
# (Databricks turns them on for new tables by default), no column mapping, the oldest
# protocol that has what the jobs use. test_table_features reads silver with a second engine.
READER_VERSION = 1
WRITER_VERSION = 2


def properties(retention_days):
    """The table properties of every silver table. retention_days bounds VACUUM and time
    travel alike, so "as of" reaches back exactly as far as the files are kept."""
    interval = f"interval {int(retention_days)} days"
    return {
        "delta.minReaderVersion": str(READER_VERSION),
        "delta.minWriterVersion": str(WRITER_VERSION),
        "delta.enableDeletionVectors": "false",
        "delta.logRetentionDuration": interval,
        "delta.deletedFileRetentionDuration": interval,
    }


def ensure(spark, path, schema, retention_days, partitioned_by=()):
    """The Delta table at path, created with schema (and partitioned_by) if missing; any column
    of schema it lacks is added (nullable), so a new source column reaches silver instead of
    failing the write."""
    path = path.rstrip("/")  # Delta compares the location with the path it resolves
    if existing(spark, path) is None:
        builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema)
        if partitioned_by:
            builder = builder.partitionedBy(*partitioned_by)
        for k, v in properties(retention_days).items():
            builder = builder.property(k, v)
        builder.execute()
    table = keep_retention(spark, path, retention_days)
    have = {f.name for f in table.toDF().schema.fields}
    new = [f for f in schema.fields if f.name not in have]
    if new:
        columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in new)
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS ({columns})")
        table = DeltaTable.forPath(spark, path)
    return table


# (path, retention days) whose table this process has already checked: a long-running job
# (the speed layer's queries restart their sinks) reads each table's properties once.
_kept = set()


def keep_retention(spark, path, retention_days):
    """The Delta table at path, its retention set to retention_days if it was made under another
    silver.retentionDays: VACUUM and time travel follow config, not the table's birth."""
    path = path.rstrip("/")
    table = DeltaTable.forPath(spark, path)
    if (path, retention_days) in _kept:
        return table
    have = table.detail().collect()[0].properties
    stale = {
        k: v for k, v in properties(retention_days).items() if k.endswith("RetentionDuration") and have.get(k) != v
    }
    if stale:
        listed = ", ".join(f"'{k}' = '{v}'" for k, v in stale.items())
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({listed})")
        table = DeltaTable.forPath(spark, path)
    _kept.add((path, retention_days))
    return table


def existing(spark, path):
    """The Delta table at path, or None while nothing has written it."""
    path = path.rstrip("/")
    return DeltaTable.forPath(spark, path) if DeltaTable.isDeltaTable(spark, path) else None


def key_match(key):
    """The MERGE condition that matches source s and target t on the key's columns."""
    return " AND ".join(f"s.`{k}` = t.`{k}`" for k in key)


def missing_path(error):
    """True when error is Spark's answer to reading a folder that does not exist (yet)."""
    return "PATH_NOT_FOUND" in str(error)
