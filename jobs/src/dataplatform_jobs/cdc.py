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


def key_json(key):
    """A key's values as one JSON text, as maintenance.erase writes it: {"customer_id":42}."""
    return F.to_json(F.struct(*[F.col(f"`{k}`") for k in key]))


def without_erased(spark, changes, table, columns, silver):
    """changes less those of erased keys committed at or before their erasure: an erased key
    never comes back from bronze, and a later re-insert still does."""
    erasures = tables.existing(spark, silver + table.state + ERASURES)
    if erasures is None:
        return changes
    erased = erasures.toDF()
    joined = changes.join(erased, key_json(table.key) == erased[ERASED_KEY], "left")
    outranked = erased[ERASED_AT].isNotNull() & (~F.col(CDC) | (F.col(f"`{columns.timestamp}`") <= erased[ERASED_AT]))
    return joined.where(~outranked).select(*changes.columns)


def distinct_changes(changes, key, columns):
    """Each change once, whichever files repeat it (a restarted task, a replayed file)."""
    return changes.dropDuplicates([*key, columns.op, columns.timestamp, columns.sequence, CDC])


def apply(spark, changes, table, columns, silver, retention_days):
    """Applies one batch of labelled changes of table (see label) to its silver tables. Safe to
    run again with the same batch: nothing changes the second time."""
    changes = without_erased(spark, changes, table, columns, silver)
    # Read the batch's files once: the history, the reduction and both merges use it.
    changes = distinct_changes(changes, table.key, columns).persist()
    try:
        if not changes.isEmpty():
            _apply(spark, changes, table, columns, silver, retention_days)
    finally:
        changes.unpersist()


def _apply(spark, changes, table, columns, silver, retention_days):
    key_match = tables.key_match(table.key)
    newer = order("s", columns) > order("t", columns)
    deleted, kept = F.col(f"s.`{columns.op}`") == "D", F.col(f"s.`{columns.op}`") != "D"

    history = tables.ensure(spark, silver + table.history, changes.schema, retention_days)
    same_change = key_match + f" AND s.`{columns.op}` = t.`{columns.op}` AND s.{CDC} = t.{CDC}"
    same_change += f" AND s.`{columns.timestamp}` <=> t.`{columns.timestamp}` AND s.`{columns.sequence}` <=> t.`{columns.sequence}`"
    (history.alias("t").merge(changes.alias("s"), same_change).whenNotMatchedInsertAll().execute())

    tombstones = tables.ensure(
        spark, silver + table.state + TOMBSTONES, tombstone_schema(changes, table.key, columns), retention_days
    )
    latest = newest_per_key(changes, table.key, columns)
    # Drop what an earlier delete outranks: a late change must not resurrect a deleted row.
    marks = tombstones.toDF().alias("t")
    latest = (
        latest.alias("s")
        .join(marks, on=[F.col(f"s.`{k}`") == F.col(f"t.`{k}`") for k in table.key], how="left")
        .where(F.col(f"t.`{table.key[0]}`").isNull() | newer)
        .select("s.*")
    )

    keep = data_columns(changes, columns)
    current = tables.ensure(
        spark, silver + table.current, T.StructType([changes.schema[c] for c in keep]), retention_days
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
    batches = []

    def each(batch, batch_id):
        apply(spark, label(batch), table, columns, silver, retention_days)
        batches.append(batch_id)

    query = (
        read_files(spark.readStream.schema(schema), path)
        .writeStream.foreachBatch(each)
        .option("checkpointLocation", silver + table.state + CHECKPOINT)
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    record_watermark(spark, silver, table, columns, retention_days)
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
    but a delete's commit time (a delete carries the deleted row's last change key)."""
    deleted = F.col(f"`{columns.op}`") == "D"
    return F.when(deleted, F.col(f"`{columns.timestamp}`")).otherwise(F.col(f"`{table.change_key}`"))


def record_watermark(spark, silver, table, columns, retention_days=7):
    """Records the served table's watermark after a run: the newest change time (change_time)
    of its history, which holds every change the batch has applied. The serving view takes the
    batch's changes up to it and the stream's after it, so a change merged after the watermark
    was written (the run died in between) is the stream's until the next run. A MERGE on the
    table's name keeps one row; a table without a change key, or without history yet, records
    nothing."""
    history = tables.existing(spark, silver + table.history) if table.change_key else None
    if history is None:
        return
    newest = (
        history.toDF()
        .agg(F.max(change_time(table, columns)).alias("watermark"))
        .where("watermark IS NOT NULL")
        .select(
            F.lit(table.name).alias("table_name"),
            F.lit(table.change_key).alias("change_key"),
            "watermark",
            F.current_timestamp().alias("written_at"),
        )
    )
    target = tables.ensure(spark, silver + table.watermarks, WATERMARK_SCHEMA, retention_days)
    (
        target.alias("t")
        .merge(newest.alias("s"), "t.table_name = s.table_name")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
