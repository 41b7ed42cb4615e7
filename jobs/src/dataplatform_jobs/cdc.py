"""CDC to silver: DMS's full load and changes of one replicated table become its current
state (one row per key, deletes applied) and its append-only change history, as Delta.

Order. A change is newer than another by (is a change, commit time, change sequence): DMS
stamps full-load rows with the load's time, not a commit time, so every captured change ranks
above every full-load row, and changes tie-break on AR_H_CHANGE_SEQ, unique per change.

Guards. Each batch is reduced to the newest change per key before the MERGE (MERGE refuses
several source rows per key). A change applies only if newer than what silver holds; a delete
leaves a marker (the table's tombstones, under its state prefix) with its order, so a late,
older change never brings the row back, while a newer re-insert does. The history takes a
change once, whatever file brought it. Replayed and duplicate files therefore change nothing.

Commit time. DMS writes TimestampColumnName as text (yyyy-MM-dd HH:mm:ss.SSSSSS, in UTC); the
job makes it a UTC timestamp before anything reads it (commit_time), so silver, the ordering,
the erasures and the watermark all compare instants. A Parquet timestamp is taken as it is.
"""

from pyspark.sql import Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import tables

# Columns the job adds. _cdc is false for full-load rows; _bronze_file is the file a history
# row came from (lineage).
CDC = "_cdc"
BRONZE_FILE = "_bronze_file"
FULL_LOAD_PREFIX = "LOAD"


# TimestampColumnName: "DMS includes an additional STRING column in the .csv or .parquet object
# files ... The string format for this timestamp column value is yyyy-MM-dd HH:mm:ss.SSSSSS"
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html, the endpoint settings;
# tests/contracts/dms.yaml). The text carries no zone. DMS keeps its clock in UTC: its S3 settings
# "convert the current UTC time into a specified time zone" only for date folders and file names
# (DatePartitionTimezone, https://docs.aws.amazon.com/dms/latest/APIReference/API_S3Settings.html),
# so the job reads the text as UTC, whatever the session's time zone.
COMMIT_TIME_FORMAT = "yyyy-MM-dd HH:mm:ss.SSSSSS"


class BadCommitTime(ValueError):
    """A bronze file's commit time is neither a timestamp nor text in COMMIT_TIME_FORMAT."""


def parsed_commit_time(changes, table, columns):
    """The commit-time column of changes as a UTC timestamp, whichever form DMS wrote: text in
    COMMIT_TIME_FORMAT (read as UTC), or a Parquet timestamp (kept); null where it is missing or
    does not parse. Raises BadCommitTime for a column of any other type."""
    name = columns.timestamp
    raw = F.col(f"`{name}`")
    kind = changes.schema[name].dataType
    if isinstance(kind, T.TimestampType):
        return raw
    if isinstance(kind, T.StringType):
        # "Z" with the X pattern makes the text an instant in UTC, not in the session's zone.
        return F.try_to_timestamp(F.concat(raw, F.lit("Z")), F.lit(COMMIT_TIME_FORMAT + "X"))
    raise BadCommitTime(
        f"{table.name}: the commit-time column {name} is {kind.simpleString()}; DMS writes it as text in "
        f"the format {COMMIT_TIME_FORMAT} (a Parquet timestamp is accepted too)"
    )


def commit_time(changes, table, columns):
    """changes with the commit-time column as a UTC timestamp (parsed_commit_time), null where it
    does not parse: apply refuses those (check_commit_time) before it writes anything."""
    return changes.withColumn(columns.timestamp, parsed_commit_time(changes, table, columns))


def check_commit_time(bad_file, batch, table, columns):
    """Raises BadCommitTime, naming the table, the file, the value and the format, when the batch
    has a row without a commit time: bad_file is the first such row's file (None: every row has
    one; survey finds it). Only then is batch (the rows as DMS wrote them) read again, for the
    value."""
    if bad_file is None:
        return
    name = columns.timestamp
    in_file = batch.where((F.col(BRONZE_FILE) == bad_file) & parsed_commit_time(batch, table, columns).isNull())
    value = (in_file.select(F.col(f"`{name}`").cast("string")).first() or [None])[0]
    raise BadCommitTime(
        f"{table.name}: bronze file {bad_file} has the commit time {value!r} in column {name}; DMS writes it as text "
        f"in the format {COMMIT_TIME_FORMAT} (UTC), e.g. 2026-05-01 12:00:00.000000; nothing of its batch was written"
    )


def label(batch):
    """Marks each bronze row as a full-load row or a change, from the file DMS wrote it to
    (batch's BRONZE_FILE: LOAD*.parquet for the full load)."""
    return batch.withColumn(CDC, ~F.col(BRONZE_FILE).startswith(FULL_LOAD_PREFIX))


def read_files(reader, path):
    """The rows of the parquet files at path, each with the name of its file (BRONZE_FILE)."""
    return (
        reader.option("pathGlobFilter", "*.parquet")
        .parquet(path)
        .select("*", F.col("_metadata.file_name").alias(BRONZE_FILE))
    )


def order(prefix, columns):
    """The order of a change, as one comparable struct (alias prefix: s or t)."""
    p = f"{prefix}." if prefix else ""
    return F.struct(
        F.col(f"{p}{CDC}"),
        F.col(f"{p}`{columns.timestamp}`"),
        F.coalesce(F.col(f"{p}`{columns.sequence}`"), F.lit("")),
    )


def newest_per_key(changes, key, columns):
    """The newest change of each key: what the MERGE applies."""
    w = Window.partitionBy(*[F.col(f"`{k}`") for k in key]).orderBy(order("", columns).desc())
    return changes.withColumn("_rank", F.row_number().over(w)).where("_rank = 1").drop("_rank")


def data_columns(changes, columns):
    """The source table's own columns (and DMS's commit time and sequence): what silver keeps."""
    internal = {columns.op, BRONZE_FILE}
    return [c for c in changes.columns if c not in internal]


def tombstone_schema(changes, key, columns):
    keep = [*key, columns.timestamp, columns.sequence, CDC]
    return T.StructType([changes.schema[c] for c in keep])


# Erasures (maintenance.erase) are kept apart from the delete markers, as (key as JSON, time):
# a change of an erased key committed before its erasure is dropped before anything is merged.
ERASED_KEY, ERASED_AT = "key", "erased_at"
ERASURES = "erasures/"
# The rest of a table's state prefix: the stream's checkpoint and the delete markers.
CHECKPOINT, TOMBSTONES = "checkpoint/", "tombstones/"
ERASURE_SCHEMA = T.StructType([T.StructField(ERASED_KEY, T.StringType()), T.StructField(ERASED_AT, T.TimestampType())])
# The erasures' columns as without_erased joins them to a batch: renamed on read, as a table may
# declare a column named key or erased_at, but never one that starts with _ (config's temporary
# columns), so no declared column is ever ambiguous with them. The stored table keeps its names.
JOINED_KEY, JOINED_AT = "_erased_key", "_erased_at"


def key_json(key):
    """A key's values as one JSON text, as maintenance.erase writes it: {"customer_id":42}."""
    return F.to_json(F.struct(*[F.col(f"`{k}`") for k in key]))


def without_erased(spark, changes, table, columns, silver):
    """changes less those of erased keys committed at or before their erasure: an erased key
    never comes back from bronze, and a later re-insert still does."""
    erasures = tables.existing(spark, silver + table.state + ERASURES)
    if erasures is None:
        return changes
    erased = erasures.toDF().select(F.col(ERASED_KEY).alias(JOINED_KEY), F.col(ERASED_AT).alias(JOINED_AT))
    joined = changes.join(erased, key_json(table.key) == F.col(JOINED_KEY), "left")
    at, erased_at = F.col(f"`{columns.timestamp}`"), F.col(JOINED_AT)
    # A row without a commit time stays, for check_commit_time to refuse.
    outranked = erased_at.isNotNull() & at.isNotNull() & (~F.col(CDC) | (at <= erased_at))
    return joined.where(~outranked).select(*[F.col(f"`{c}`") for c in changes.columns])


def distinct_changes(changes, key, columns):
    """Each change once, whichever files repeat it (a restarted task, a replayed file)."""
    return changes.dropDuplicates([*key, columns.op, columns.timestamp, columns.sequence, CDC])


def apply(spark, changes, table, columns, silver, retention_days):
    """Applies one batch of labelled changes of table (see label) to its silver tables. Safe to
    run again with the same batch: nothing changes the second time. Returns the batch's newest
    change time (change_time) where the table has a change key, else None."""
    batch = changes
    changes = commit_time(changes, table, columns)
    changes = without_erased(spark, changes, table, columns, silver)
    # Read the batch's files once: the survey, the history, the reduction and both merges use it.
    changes = distinct_changes(changes, table.key, columns).persist()
    try:
        found = survey(changes, table, columns)
        check_commit_time(found.bad_file, batch, table, columns)
        if not found.rows:
            return None
        _apply(spark, changes, table, columns, silver, retention_days, found.days)
        return found.newest
    finally:
        changes.unpersist()


def survey(changes, table, columns):
    """What apply needs to know of a batch before it writes, in one pass over it: its rows, the
    file of a row without a commit time (None if none), its commit days (commit_day, in order:
    the history's partitions it touches) and its newest change time (change_time; None where the
    table has no change key: the watermark follows the batches without reading the history)."""
    at = F.col(f"`{columns.timestamp}`")
    newest = F.max(change_time(table, columns)) if table.change_key else F.lit(None)
    return changes.agg(
        F.count(F.lit(1)).alias("rows"),
        F.min(F.when(at.isNull(), F.col(BRONZE_FILE))).alias("bad_file"),
        F.array_sort(F.collect_set(commit_day(columns))).alias("days"),
        newest.alias("newest"),
    ).first()


def commit_day(columns):
    """The UTC day of a change's commit time (a UTC timestamp, commit_time): days since the
    epoch, so no session time zone moves a change to another day."""
    seconds = F.unix_seconds(F.col(f"`{columns.timestamp}`"))
    return F.date_from_unix_date(F.floor(seconds / 86400).cast("int"))


def on_days(day, days):
    """The history merge's predicate on the target alone, with the batch's days as literals:
    Delta prunes a MERGE's target files only on such a predicate (not on s.day = t.day, which
    it cannot evaluate before the join), so the merge reads the days the batch touches, not the
    whole history. A change's day follows from its commit time, which the merge matches, so
    the predicate never hides a change the batch repeats."""
    literals = ", ".join(f"DATE'{d.isoformat()}'" for d in days)
    return f"t.`{day}` IN ({literals})"


def _apply(spark, changes, table, columns, silver, retention_days, days):
    key_match = tables.key_match(table.key)
    newer = order("s", columns) > order("t", columns)
    deleted, kept = F.col(f"s.`{columns.op}`") == "D", F.col(f"s.`{columns.op}`") != "D"

    changes = tables.with_declared(changes, silver + table.history)  # a declared column DMS does not send yet
    keep = data_columns(changes, columns)
    current_schema = T.StructType([changes.schema[c] for c in keep])
    # The history's partition, which config declares: the commit day.
    declared = tables.declaration(silver + table.history)
    days_partition = tables.partition_names(declared) if declared else []
    dated = changes.withColumns({day: commit_day(columns) for day in days_partition})
    # Both declared tables checked before either is touched: declarations that diverge (a
    # column the history declares and the current table does not) leave both as they were.
    tables.check(silver + table.history, dated.schema, days_partition)
    tables.check(silver + table.current, current_schema)
    history = tables.ensure(spark, silver + table.history, dated.schema, retention_days, days_partition)
    current = tables.ensure(spark, silver + table.current, current_schema, retention_days)
    tombstones = tables.ensure(
        spark, silver + table.state + TOMBSTONES, tombstone_schema(changes, table.key, columns), retention_days
    )

    same_change = key_match + f" AND s.`{columns.op}` = t.`{columns.op}` AND s.{CDC} = t.{CDC}"
    same_change += f" AND s.`{columns.timestamp}` <=> t.`{columns.timestamp}` AND s.`{columns.sequence}` <=> t.`{columns.sequence}`"
    same_change += "".join(f" AND {on_days(day, days)}" for day in days_partition)
    (history.alias("t").merge(dated.alias("s"), same_change).whenNotMatchedInsertAll().execute())

    latest = newest_per_key(changes, table.key, columns)
    # Drop what an earlier delete outranks: a late change must not resurrect a deleted row.
    marks = tombstones.toDF().alias("t")
    latest = (
        latest.alias("s")
        .join(marks, on=[F.col(f"s.`{k}`") == F.col(f"t.`{k}`") for k in table.key], how="left")
        .where(F.col(f"t.`{table.key[0]}`").isNull() | newer)
        .select("s.*")
    )

    values = {f"`{c}`": F.col(f"s.`{c}`") for c in keep}
    (
        current.alias("t")
        .merge(latest.alias("s"), key_match)
        .whenMatchedDelete(condition=deleted & newer)
        .whenMatchedUpdate(condition=kept & newer, set=values)
        .whenNotMatchedInsert(condition=kept, values=values)
        .execute()
    )

    mark = {f"`{c}`": F.col(f"s.`{c}`") for c in tombstone_schema(changes, table.key, columns).names}
    (
        tombstones.alias("t")
        .merge(latest.alias("s"), key_match)
        .whenMatchedUpdate(condition=deleted & newer, set=mark)
        .whenMatchedDelete(condition=kept & newer)
        .whenNotMatchedInsert(condition=deleted, values=mark)
        .execute()
    )


def bronze_schema(spark, path):
    """The union of the schemas of the table's bronze files (a later file may add a column),
    or None while DMS has written nothing there."""
    try:
        return spark.read.option("mergeSchema", "true").parquet(path).schema
    except Exception as e:  # Spark raises AnalysisException for a missing or empty folder
        if tables.missing_path(e) or "UNABLE_TO_INFER_SCHEMA" in str(e):
            return None
        raise


def run(spark, bronze, silver, table, columns, retention_days=7):
    """Processes the table's bronze files that no earlier run processed, once each: a file
    stream over the folder with availableNow and a checkpoint under the table's state prefix
    (the local stand-in for Auto Loader). Returns the number of batches applied."""
    path = bronze + table.bronze
    schema = bronze_schema(spark, path)
    if schema is None:
        return 0
    batches, refused, newest = [], [], []

    def each(batch, batch_id):
        try:
            newest.append(apply(spark, label(batch), table, columns, silver, retention_days))
        except (BadCommitTime, tables.Refused) as e:
            refused.append(e)
            raise
        batches.append(batch_id)

    query = (
        read_files(spark.readStream.schema(schema), path)
        .writeStream.foreachBatch(each)
        .option("checkpointLocation", silver + table.state + CHECKPOINT)
        .trigger(availableNow=True)
        .start()
    )
    try:
        query.awaitTermination()
    except Exception:
        # The stream wraps the batch's error in its own; the caller gets the one that says what
        # is wrong. The batch's files stay unprocessed: the next run reads them again.
        if refused:
            raise refused[0] from None
        raise
    record_watermark(spark, silver, table, max((t for t in newest if t is not None), default=None), retention_days)
    return len(batches)


# The watermarks table: per served table, the newest change key its silver history holds. The
# serving view takes the batch's answer up to it and the stream's after it.
WATERMARK_SCHEMA = T.StructType(
    [
        T.StructField("table_name", T.StringType(), False),
        T.StructField("change_key", T.StringType(), False),
        T.StructField("watermark", T.TimestampType(), False),
        T.StructField("written_at", T.TimestampType(), False),
    ]
)


def change_time(table, columns):
    """When a change of the served table happened, as the serving view reads it: its change key,
    but a delete's commit time (under PostgreSQL's default replica identity a delete carries only
    the row's key, so its change key is null)."""
    deleted = F.col(f"`{columns.op}`") == "D"
    return F.when(deleted, F.col(f"`{columns.timestamp}`")).otherwise(F.col(f"`{table.change_key}`"))


def record_watermark(spark, silver, table, newest, retention_days=7):
    """Records the served table's watermark after a run: the newest change time (change_time)
    its history holds, the greater of the one recorded and newest, the newest of the run's
    batches (None: the run applied none), so a run reads its own changes, never the history. The
    serving view takes the batch's changes up to it and the stream's after it, so a change
    merged after the watermark was written (the run died in between) is the stream's until a
    run records a newer one. A MERGE on the table's name keeps one row, and every run writes its
    time (the table's freshness); a table without a change key, or without a change yet,
    records nothing."""
    if not table.change_key:
        return
    path = silver + table.watermarks
    if newest is None and tables.existing(spark, path) is None:
        return
    row = spark.createDataFrame([(table.name, table.change_key, newest)], "name string, key string, at timestamp")
    row = row.select(
        F.col("name").alias("table_name"),
        F.col("key").alias("change_key"),
        F.col("at").alias("watermark"),
        F.current_timestamp().alias("written_at"),
    )
    target = tables.ensure(spark, path, WATERMARK_SCHEMA, retention_days)
    (
        target.alias("t")
        .merge(row.alias("s"), "t.table_name = s.table_name")
        .whenMatchedUpdate(
            set={
                "change_key": "s.change_key",
                "watermark": "greatest(t.watermark, coalesce(s.watermark, t.watermark))",
                "written_at": "s.written_at",
            }
        )
        .whenNotMatchedInsert(condition="s.watermark IS NOT NULL", values={c: f"s.{c}" for c in WATERMARK_SCHEMA.names})
        .execute()
    )
