"""How the jobs create and evolve silver's Delta tables: the table features every reader
handles, each table's schema as config declares it, and new nullable columns added explicitly.

Config's declaration (the bundle's silver_tables, generated from config/) owns silver's schema:
the Catalog stack gives Glue the same columns, which Athena's views need to match the Delta
log. Once a job has declared the tables (declare), ensure creates a declared table from its
declaration, adds a declared column the table lacks, and refuses, before anything is written,
a column the declaration lacks or types otherwise: such a write would leave Glue and the log
apart. Only the jobs' state (under STATE_ROOT, which no Glue table points into) is made as its
writer asks: any other path under silver that config declares no table at is refused."""

from delta.tables import DeltaTable
from pyspark.errors import AnalysisException
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import records

# The table features of every silver table: deletion vectors, and nothing else (no column
# mapping). With them a MERGE, UPDATE or DELETE marks the rows it replaces in a small vector
# beside their file instead of rewriting the file: 10,000 changes spread over a 1,000,000-row
# table write their own 9,500 rows, not the whole table (docs/jobs.md, "Benchmark"). They are
# a reader and writer feature (reader version 3, writer version 7, named in the protocol), so every
# reader of silver must read them (docs/jobs.md, "Silver tables"): Databricks Runtime 12.2 LTS
# and later; Athena engine 3, whose Delta Lake page says "Delta Lake reader protocol up to
# version 3 is supported" (docs.aws.amazon.com/athena/latest/ug/delta-lake-tables.html); the
# local warehouse, through deltalake's DataFusion scan (warehouse/duckdb_plugins: deltalake's
# pyarrow dataset refuses the feature). test_silver_is_read_whole_by_a_second_engine reads
# silver with deltalake's scan, after a MERGE that wrote a vector.
READER_VERSION = 3
WRITER_VERSION = 7
FEATURES = ("deletionVectors",)


def properties(retention_days):
    """The table properties of every silver table. retention_days bounds VACUUM and time
    travel alike, so "as of" reaches back exactly as far as the files are kept."""
    interval = f"interval {int(retention_days)} days"
    return {
        "delta.minReaderVersion": str(READER_VERSION),
        "delta.minWriterVersion": str(WRITER_VERSION),
        "delta.enableDeletionVectors": "true",
        "delta.logRetentionDuration": interval,
        "delta.deletedFileRetentionDuration": interval,
    }


# The properties keep_properties brings a table made earlier to: the retention, which follows
# config, and deletion vectors, which tables made before they were on lack. Setting
# delta.enableDeletionVectors on such a table upgrades its protocol to reader 3 and writer 7 with
# the feature (protocol versions are never lowered, so they are not set themselves).
KEPT = ("delta.enableDeletionVectors", "delta.logRetentionDuration", "delta.deletedFileRetentionDuration")


class Refused(RuntimeError):
    """A write or a table that would make a silver table differ from config's declaration, and
    so from its Glue schema."""


# Where the jobs keep what only they read (checkpoints, delete markers, erasures, progress):
# config's SilverStateRoot (config/names.go), which no Glue table points into. Every state
# prefix of the bundle's settings is under it (test_every_state_prefix_is_under_the_state_root).
STATE_ROOT = "_state/"

# The silver root the job writes (None: not declared yet) and its declared tables, by path.
_silver = None
_declared = {}


def declare(silver, declared):
    """Takes config's declarations of the tables under silver (settings.declared_tables), in
    place of any earlier: from now on ensure holds each of them to its declaration, and refuses
    any other path but the state prefix's. silver None: every write is refused."""
    global _silver
    _silver = silver.rstrip("/") + "/" if silver else None
    _declared.clear()
    _conformed.clear()
    _declared.update({(silver + t.prefix).rstrip("/"): t for t in declared})


def declaration(path):
    """The declared table at path, or None where none is declared (the jobs' state)."""
    return _declared.get(path.rstrip("/"))


def declared_schema(table):
    """A declared table's Spark schema: its columns, then its partition columns."""
    fields = [T.StructField(n, records.spark_type(kind)) for n, kind in table.columns + table.partition_keys]
    return T.StructType(fields)


def hive(data_type):
    """A Spark type as Glue and the declarations spell it: int, bigint, decimal(12,2), ..."""
    return data_type.simpleString()


def conform(table, fields, partitioned_by, what):
    """Refuses fields (of what: a write, or the table as it is) that table does not declare with
    that type, and partitions other than the declared ones."""
    declared = dict(table.columns + table.partition_keys)
    listed = ", ".join(f"{n} {kind}" for n, kind in table.columns + table.partition_keys)
    where = f"silver table {table.name} ({table.prefix})"
    for f in fields:
        if f.name not in declared:
            raise Refused(
                f"{where}: {what} has column {f.name} ({hive(f.dataType)}), which config does not declare; "
                f"declared: {listed}. Nothing was written: declare the column (config, silver) and deploy"
            )
        if records.spark_type(declared[f.name]) != f.dataType:
            raise Refused(
                f"{where}: {what} has column {f.name} as {hive(f.dataType)}, config declares {declared[f.name]}; "
                f"declared: {listed}. Nothing was written"
            )
    partitions = [n for n, _ in table.partition_keys]
    if list(partitioned_by) != partitions:
        raise Refused(
            f"{where}: {what} is partitioned by {list(partitioned_by)}, config declares {partitions}. Nothing was "
            "written: a table made before its declaration changed is rewritten once as declared (a replicated "
            'table\'s history: the partition_history job, docs/jobs.md "Partitioning an existing history")'
        )


def check(path, schema, partitioned_by=()):
    """The declaration at path (None for the jobs' state), once a write of schema (partitioned_by)
    there is found to be one ensure allows. Reads nothing: a writer of several tables checks each
    before it writes any, so a refusal leaves them all as they were."""
    path = path.rstrip("/")
    declared = declaration(path)
    if declared is not None:
        conform(declared, schema.fields, partitioned_by, "the write")
    else:
        state_only(path)
    return declared


def state_only(path):
    """Refuses path, which config declares no table at, unless it is under silver's state prefix:
    a table anywhere else (a typo, a table config no longer declares) would be one Glue lacks."""
    if _silver is None:
        raise Refused(f"{path}: no silver declared (tables.declare), so no table may be written. Nothing was written")
    under = path + "/"
    if not under.startswith(_silver):
        raise Refused(f"{path}: not under silver {_silver}, the only root the job writes. Nothing was written")
    if not under.startswith(_silver + STATE_ROOT):
        listed = ", ".join(f"{t.name} ({t.prefix})" for t in _declared.values()) or "none"
        raise Refused(
            f"silver {_silver}: config declares no silver table at {under[len(_silver) :]!r}; declared: {listed}; "
            f"the jobs' own state goes under {STATE_ROOT}. Nothing was written: declare the table (config, silver) "
            "and deploy"
        )


def ensure(spark, path, schema, retention_days, partitioned_by=()):
    """The Delta table at path, for a write of schema (partitioned_by). A declared table
    (declare) must declare every column of schema, and be as declared; it is created from its
    declaration if missing, and any declared column it lacks is added (nullable). A state table
    (under STATE_ROOT) is created with schema, and any column of schema it lacks is added; any
    other path is refused (check)."""
    path = path.rstrip("/")  # Delta compares the location with the path it resolves
    declared = check(path, schema, partitioned_by)
    if declared is not None:
        schema, partitioned_by = declared_schema(declared), partition_names(declared)
    if existing(spark, path) is None and made(spark, path, schema, partitioned_by, retention_days):
        # Made just now, from schema (a declared table's own) and properties(retention_days):
        # nothing to conform, keep or add, so none of the reads that would check it (each a
        # Spark job, about a tenth of a first run's).
        _kept.add((path, retention_days))
        if declared is not None:
            _conformed.add(path)
        return DeltaTable.forPath(spark, path)
    table = keep_properties(spark, path, retention_days)
    if declared is not None and path not in _conformed:
        # Once per process: the jobs only ever add declared columns.
        conform(declared, table.toDF().schema.fields, table.detail().first().partitionColumns, "the Delta table")
        _conformed.add(path)
    have = {f.name for f in table.toDF().schema.fields}
    new = [(i, f) for i, f in enumerate(schema.fields) if f.name not in have]
    for i, f in new:
        # A declared column goes where the declaration (and so Glue) has it; one a state
        # table's writer brings goes last.
        where = "" if declared is None else " FIRST" if i == 0 else f" AFTER `{schema.fields[i - 1].name}`"
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (`{f.name}` {f.dataType.simpleString()}{where})")
    if new:
        table = DeltaTable.forPath(spark, path)
    return table


def made(spark, path, schema, partitioned_by, retention_days):
    """Creates the Delta table at path; False if another writer made it first (it is then checked
    like any table found)."""
    builder = DeltaTable.create(spark).location(path).addColumns(schema)
    if partitioned_by:
        builder = builder.partitionedBy(*partitioned_by)
    for k, v in properties(retention_days).items():
        builder = builder.property(k, v)
    try:
        builder.execute()
    except AnalysisException as e:
        if e.getCondition() != "TABLE_OR_VIEW_ALREADY_EXISTS":
            raise
        return False
    return True


def with_declared(df, path):
    """df with every column the table at path declares and df lacks, null: config may declare a
    source column before DMS sends it, and an insert of all columns needs each one."""
    table = declaration(path)
    if table is None:
        return df
    missing = [(n, kind) for n, kind in table.columns if n not in df.columns]
    return df.withColumns({n: F.lit(None).cast(records.spark_type(kind)) for n, kind in missing}) if missing else df


def partition_names(table):
    return [n for n, _ in table.partition_keys]


def create(spark, retention_days, registry=None):
    """Every declared table (declare) that is missing, created empty with its declared schema
    and partitions, so readers find it before its first data; an existing one keeps its data
    and gains only a declared column it lacks. Returns the names of the tables created.

    registry is the path of the created-tables table (declared too): each missing table, the
    registry itself included, is recorded in it with the time first, and dbt's freshness reads
    an empty table's creation as its newest row. Recorded before it is made, a table a dying
    run left unmade is made, and recorded again, by the next."""
    missing = [table.name for path, table in _declared.items() if existing(spark, path) is None]
    if registry is not None and missing:
        record_created(spark, registry, missing, retention_days)
    for path, table in _declared.items():
        ensure(spark, path, declared_schema(table), retention_days, partition_names(table))
    return missing


# The created-tables table (config's SilverTablesCreated), as config declares it.
CREATED_SCHEMA = T.StructType(
    [T.StructField("table_name", T.StringType(), False), T.StructField("created_at", T.TimestampType(), False)]
)


def record_created(spark, registry, names, retention_days):
    """Records the tables named as created now in the created-tables table at registry: one row
    per table, a MERGE on its name, so a table made again gets its new time."""
    if declaration(registry) is None:
        raise Refused(f"the created-tables table {registry} is not a declared silver table")
    rows = spark.createDataFrame([(n,) for n in names], "table_name string").withColumn(
        "created_at", F.current_timestamp()
    )
    target = ensure(spark, registry, CREATED_SCHEMA, retention_days)
    (
        target.alias("t")
        .merge(rows.alias("s"), "t.table_name = s.table_name")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )


# Declared tables this process has found as declared (ensure).
_conformed = set()
# (path, retention days) whose table this process has already checked: a long-running job
# (the speed layer's queries restart their sinks) reads each table's properties once.
_kept = set()


def keep_properties(spark, path, retention_days):
    """The Delta table at path, with the KEPT properties of properties(retention_days): its
    retention set to retention_days if it was made under another silver.retentionDays (VACUUM
    and time travel follow config, not the table's birth), and deletion vectors turned on if it
    was made without them (deployed tables made before they were on)."""
    path = path.rstrip("/")
    table = DeltaTable.forPath(spark, path)
    if (path, retention_days) in _kept:
        return table
    have = table.detail().collect()[0].properties
    stale = {k: v for k, v in properties(retention_days).items() if k in KEPT and have.get(k) != v}
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
