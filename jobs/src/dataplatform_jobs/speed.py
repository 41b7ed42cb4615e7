"""The speed layer: each stream's Firehose files in bronze become its silver events table,
continuously, each event once.

Reading. One file stream per stream over kinesis/<stream>/, by the stream's declared schema
and nothing inferred: Auto Loader on Databricks, Spark's own file source (same schema, same
options) locally. JSON lines are read as text and typed by the declared columns
(records.judged), blank lines skipped: Firehose's AppendDelimiterToRecord processor ends every
record with a newline, so a producer that already does leaves a blank line after each. Parquet
files, which Firehose converted, are read by the declared columns.
A field that is not declared is not read (Auto Loader: schemaEvolutionMode none); declaring it
in config adds a nullable column, null for the events before.

Each micro-batch (Sink.write):
- a record that does not fit the schema goes to the quarantine table, raw, with the reason;
- an event older than the watermark (the newest event time of the earlier batches less the
  stream's watermark delay) goes to the late table, never dropped;
- the rest, one row per event ID, is merged insert-only on (day, event ID) into the events
  table, so an event delivered again inside the watermark (a producer's retry, or Firehose
  writing the same records under another object name) finds its first copy and is dropped.
  An event ID keeps its event time: producers resend an event as it was.

Exactly once. The checkpoint (under the stream's state prefix) makes a restart resume with the
files not yet committed. A batch replayed after a crash between its writes and its checkpoint
writes nothing twice: the events merge is insert-only on what identifies an event, and the late,
quarantine and progress rows are appended with Delta's idempotent writes (txnAppId = the query's
ID and table, txnVersion = the batch), which skip a batch already written. The batch's
watermark is kept in the progress table, so the replay splits late events the same way. Blind
appends never conflict with each other or with a compaction; the events merges retry when a
concurrent writer (a backfill, OPTIMIZE) changed the days they read.

A Parquet stream's records that Firehose could not convert land under errors/.../
format-conversion-failed/ as JSON documents; a second query reads them into the same quarantine.
"""

import logging
from datetime import UTC, datetime, timedelta

from pyspark.sql import Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import records, tables

log = logging.getLogger("dataplatform_jobs.speed")

RECORD, REASON = records.RECORD, records.REASON
# Columns the job adds: the bronze object a row came from (lineage, and part of what identifies
# a late or quarantined row), and in the late table the watermark the event missed.
BRONZE_FILE, WATERMARK = "_bronze_file", "_watermark"
# Under the stream's state prefix: the checkpoints, the watermark per batch, the backfills'.
EVENTS_CHECKPOINT, ERRORS_CHECKPOINT = "checkpoint/events/", "checkpoint/errors/"
PROGRESS, BACKFILL = "progress/", "backfill/"
QUERY_ID, BATCH_ID, NEWEST = "query_id", "batch_id", "newest"
PROGRESS_SCHEMA = T.StructType(
    [
        T.StructField(QUERY_ID, T.StringType()),
        T.StructField(BATCH_ID, T.LongType()),
        T.StructField(WATERMARK, T.TimestampType()),
        T.StructField(NEWEST, T.TimestampType()),
    ]
)
READERS = ("autoloader", "files")
# A text file's lines, as Spark's text source reads them.
TEXT = T.StructType([T.StructField("value", T.StringType())])
SEVERAL_OBJECTS = "several JSON objects on one line: each record must end with a newline"
SEVERAL_DOCUMENTS = "several Firehose error documents on one line: kept whole, none read"
# Firehose's AppendDelimiterToRecord processor (stacks/streaming.go) ends every record with a
# newline, so a producer that already does leaves a blank line after each record: no record,
# not a reason to quarantine. A line of whitespace only is skipped, before any judging.
BLANK = r"^\s*$"
# Two JSON objects back to back on one line: from_json would read the first and drop the rest.
SEVERAL = r"\}\s*\{"

# What Firehose writes for each record it could not convert to Parquet (AWS: "Handling errors
# for data format conversion"); the documented ErrorCode/ErrorMessage, and the lastError*
# names Firehose's other error outputs use.
FIREHOSE_ERROR = T.StructType(
    [
        T.StructField(n, T.StringType())
        for n in ("ErrorCode", "ErrorMessage", "lastErrorCode", "lastErrorMessage", "rawData")
    ]
)


def reader_options(stream, fmt, reader, glob=None):
    """(source format, options) of a stream over Firehose's files: Auto Loader's names on
    Databricks, the file source's locally; the same caps, glob and schema either way."""
    if reader == "autoloader":
        source, cap, options = "cloudFiles", "cloudFiles.", {"cloudFiles.format": fmt}
        if fmt == "parquet":
            options["cloudFiles.schemaEvolutionMode"] = "none"  # the declared schema, only
    elif reader == "files":
        # Auto Loader descends into subfolders by itself; the file source needs telling, and
        # then infers no year/month/day columns from the folder names.
        source, cap, options = fmt, "", {"recursiveFileLookup": "true"}
    else:
        raise ValueError(f"reader {reader!r}: one of {', '.join(READERS)}")
    if stream.max_files_per_trigger:
        options[cap + "maxFilesPerTrigger"] = str(stream.max_files_per_trigger)
    if stream.max_bytes_per_trigger:
        options[cap + "maxBytesPerTrigger"] = str(stream.max_bytes_per_trigger)
    if glob:
        options["pathGlobFilter"] = glob
    return source, options


def file_stream(spark, stream, path, fmt, schema, reader, glob=None):
    """A stream of the files under path (Firehose's year=/month=/day= folders and all), read
    as fmt by schema, each row with its object's path (BRONZE_FILE), at most the stream's files
    or bytes per micro-batch."""
    source, options = reader_options(stream, fmt, reader, glob)
    r = spark.readStream.format(source).options(**options).schema(schema)
    return r.load(path).select("*", F.col("_metadata.file_path").alias(BRONZE_FILE))


def bronze_records(spark, bronze, stream, reader, day=None):
    """The stream's bronze records (all days, or one arrival day's folder): JSON as text lines
    (RECORD), Parquet by the declared columns."""
    path = bronze + stream.bronze + (day_folder(day) if day else "")
    # The last extension only (.gz, .parquet, .json): what Firehose's own default names end in too.
    glob = "*" + "." + stream.extension.rsplit(".", 1)[-1]
    if stream.format == "json":
        return file_stream(spark, stream, path, "text", TEXT, reader, glob).withColumnRenamed("value", RECORD)
    return file_stream(spark, stream, path, "parquet", records.schema(stream.columns), reader, glob)


def day_folder(day):
    """Firehose's folder of one arrival day (config.BronzeDailyPartitions): year=/month=/day=/."""
    return f"year={day:%Y}/month={day:%m}/day={day:%d}/"


def judge(batch, stream):
    """The batch's records, each with REASON (null where it fits the stream's schema, else the
    first reason it does not), its declared columns typed, and its event's day."""
    names = [n for n, _ in stream.columns]
    required = {stream.event_id: "event ID", stream.event_time: "event time"}
    if stream.format == "json":
        judged = records.judged(batch.where(~F.col(RECORD).rlike(BLANK)), stream.columns, required)
        # The delimiter processor separates records, not objects within one: a producer that
        # puts several objects in one record puts them on one line. Such a line is quarantined
        # whole (a "}{" inside a string value is too: kept, not lost).
        several = F.col(REASON).isNull() & F.col(RECORD).rlike(SEVERAL)
        judged = judged.withColumn(REASON, F.when(several, F.lit(SEVERAL_OBJECTS)).otherwise(F.col(REASON)))
    else:
        reason = F.lit(None).cast("string")
        for name, what in reversed(required.items()):
            reason = F.when(F.col(f"`{name}`").isNull(), F.lit(f"{what} {name} is missing or null")).otherwise(reason)
        record = F.to_json(F.struct(*[F.col(f"`{n}`") for n in names]))
        judged = batch.select(
            *[F.col(f"`{n}`") for n in names], BRONZE_FILE, record.alias(RECORD), reason.alias(REASON)
        )
    return judged.withColumn(stream.day_column, F.to_date(F.col(f"`{stream.event_time}`")))


def events_of(judged, stream):
    """The judged records that fit: the events table's columns."""
    names = [F.col(f"`{n}`") for n, _ in stream.columns]
    return judged.where(F.col(REASON).isNull()).select(*names, stream.day_column, BRONZE_FILE)


def quarantined(judged):
    """The judged records that do not fit: the quarantine table's columns."""
    return judged.where(F.col(REASON).isNotNull()).select(RECORD, REASON, BRONZE_FILE)


def one_per_event(events, stream):
    """One row per event ID: the copy of the first object, by name, that brought it."""
    w = Window.partitionBy(F.col(f"`{stream.event_id}`")).orderBy(BRONZE_FILE, F.col(f"`{stream.event_time}`"))
    return events.withColumn("_n", F.row_number().over(w)).where("_n = 1").drop("_n")


def events_schema(stream):
    """The events table's columns: the declared ones, the event's day, the bronze object."""
    fields = [*records.schema(stream.columns).fields, T.StructField(stream.day_column, T.DateType())]
    return T.StructType([*fields, T.StructField(BRONZE_FILE, T.StringType())])


QUARANTINE_SCHEMA = T.StructType([T.StructField(c, T.StringType()) for c in (RECORD, REASON, BRONZE_FILE)])


def append_once(rows, path, app, version):
    """Appends rows to the Delta table at path unless this (app, version) already did: Delta's
    idempotent writes, so a replayed micro-batch appends nothing twice."""
    rows.write.format("delta").mode("append").option("txnAppId", app).option("txnVersion", version).save(path)


def retried(merge, attempts=3):
    """Runs merge, again (it is idempotent) when a concurrent commit changed what it read."""
    for attempt in range(attempts):
        try:
            return merge()
        except Exception as e:  # delta.exceptions.ConcurrentAppendException and kin
            if "Concurrent" not in type(e).__name__ and "DELTA_CONCURRENT" not in str(e) or attempt == attempts - 1:
                raise
            log.warning("merge conflicted with a concurrent commit; again (%d)", attempt + 1)


class Sink:
    """Where a stream's queries write: its events, late and quarantine tables, created or
    evolved once, before the queries start (a config change restarts the job), and once the
    events query follows it, the watermark, from the progress table."""

    def __init__(self, spark, silver, stream, retention_days):
        self.spark, self.stream, self.query_id = spark, stream, None
        day = [stream.day_column]
        events = events_schema(stream)
        self.events = tables.ensure(spark, silver + stream.events, events, retention_days, day)
        late = T.StructType([*events.fields, T.StructField(WATERMARK, T.TimestampType())])
        self.late = tables.ensure(spark, silver + stream.late, late, retention_days, day)
        self.quarantine = tables.ensure(spark, silver + stream.quarantine, QUARANTINE_SCHEMA, retention_days)
        self.late_path = (silver + stream.late).rstrip("/")
        self.quarantine_path = (silver + stream.quarantine).rstrip("/")
        self.progress = tables.ensure(spark, silver + stream.state + PROGRESS, PROGRESS_SCHEMA, retention_days)
        self.progress_path = (silver + stream.state + PROGRESS).rstrip("/")
        self.newest, self.replay = None, None

    def follow(self, query_id):
        """Takes the watermark state of the events query query_id (its checkpoint's ID)."""
        progress = self.progress.toDF()
        self.query_id = query_id
        self.newest = progress.agg(F.max(NEWEST)).collect()[0][0]
        # Only the last batch of a run can be replayed: the one its checkpoint lacks.
        last = progress.where(F.col(QUERY_ID) == query_id).orderBy(F.col(BATCH_ID).desc()).limit(1).collect()
        self.replay = last[0] if last else None

    def watermark(self, batch_id):
        """The batch's watermark: the newest event time of the earlier batches less the delay,
        or, for a batch run again after a crash, the one it had."""
        if self.replay is not None and self.replay[BATCH_ID] == batch_id:
            return self.replay[WATERMARK]
        delay = timedelta(seconds=self.stream.watermark_seconds)
        return self.newest - delay if self.newest is not None else None

    def write(self, batch, batch_id=None):
        """Writes one micro-batch of bronze records. With a batch ID (the events query), events
        behind the watermark go to the late table and bad records to the quarantine; without (a
        backfill, over records the query has judged before), every event that fits is merged.
        Safe to run again with the same batch."""
        stream = self.stream
        watermark = self.watermark(batch_id) if batch_id is not None else None
        judged = judge(batch, stream).persist()
        try:
            fits, event_time = F.col(REASON).isNull(), F.col(f"`{stream.event_time}`")
            is_late = fits & (event_time < F.lit(watermark)) if watermark is not None else F.lit(False)
            # One pass over the batch says what is to be written: the days of its on-time
            # events, its newest event (no later than now: a clock far ahead must not push the
            # watermark past every real event), whether any is late or quarantined.
            days, newest, late, bad = judged.agg(
                F.collect_set(F.when(fits & ~is_late, F.col(stream.day_column))),
                F.max(F.when(fits, F.least(event_time, F.current_timestamp()))),
                F.count(F.when(is_late, 1)),
                F.count(F.when(~fits, 1)),
            ).first()
            events = events_of(judged, stream)
            self.merge_events(one_per_event(events.where(~is_late), stream), sorted(days))
            if batch_id is None:
                return
            if late:
                late_rows = events.where(is_late).withColumn(WATERMARK, F.lit(watermark))
                append_once(late_rows, self.late_path, self.query_id + ":late", batch_id)
            if bad:
                append_once(quarantined(judged), self.quarantine_path, self.query_id + ":quarantine", batch_id)
            self.newest = max((t for t in (self.newest, newest) if t is not None), default=None)
            self.record(batch_id, watermark)
        finally:
            judged.unpersist()

    def merge_events(self, events, days):
        """Inserts the events (one per ID, all of days) that silver does not hold yet. The merge
        reads only those days of the table: the partition filter is literal, so Delta prunes."""
        stream = self.stream
        if not days:
            return
        listed = ", ".join(f"DATE'{d.isoformat()}'" for d in days)
        day, event_id = f"`{stream.day_column}`", f"`{stream.event_id}`"
        match = f"t.{day} IN ({listed}) AND t.{day} = s.{day} AND t.{event_id} = s.{event_id}"
        retried(lambda: self.events.alias("t").merge(events.alias("s"), match).whenNotMatchedInsertAll().execute())

    def record(self, batch_id, watermark):
        """Keeps the batch's watermark and the newest event time so far: one row, appended once
        per (query, batch) whatever replays it (Delta's idempotent writes: txnAppId, txnVersion)."""
        row = self.spark.createDataFrame([(self.query_id, batch_id, watermark, self.newest)], PROGRESS_SCHEMA)
        append_once(row, self.progress_path, self.query_id + ":progress", batch_id)


def conversion_errors(batch):
    """Firehose's format-conversion-failed documents as quarantine rows: the record as the
    producer sent it (rawData, base64) and Firehose's error code and message. AWS documents
    each document, not what separates two: blank lines are skipped, and a line holding several
    documents is quarantined whole rather than read as its first."""
    lines = batch.where(~F.col("value").rlike(BLANK))
    doc = F.from_json(F.col("value"), FIREHOSE_ERROR)
    code = F.coalesce(doc["ErrorCode"], doc["lastErrorCode"], F.lit("unknown"))
    message = F.coalesce(doc["ErrorMessage"], doc["lastErrorMessage"], F.lit(""))
    raw = F.unbase64(doc["rawData"]).cast("string")
    failed = F.concat(F.lit("Firehose could not convert it to Parquet: "), code, F.lit(": "), message)
    several = F.col("value").rlike(SEVERAL)
    return lines.select(
        F.when(several, F.col("value")).otherwise(F.coalesce(raw, F.col("value"))).alias(RECORD),
        F.when(several, F.lit(SEVERAL_DOCUMENTS)).otherwise(failed).alias(REASON),
        BRONZE_FILE,
    )


def query_id(spark, checkpoint):
    """The ID of the query whose checkpoint this is: it stays the same across restarts."""
    return spark.read.json(checkpoint + "metadata").first()["id"]


def exists(spark, path):
    """True once the folder path holds anything (an S3 prefix exists from its first object on).
    It lists the parent folder rather than asking for the path itself: on S3 that would be a
    GetObject of the key without its slash, which the role's prefix grants do not cover."""
    jvm = spark._jvm
    folder = jvm.org.apache.hadoop.fs.Path(path.rstrip("/"))
    fs = folder.getFileSystem(spark._jsc.hadoopConfiguration())
    try:
        children = fs.listStatus(folder.getParent())
    except Exception as e:  # java.io.FileNotFoundException: not even the parent yet
        if "FileNotFoundException" in str(e):
            return False
        raise
    return any(child.getPath().getName() == folder.getName() for child in children)


class Queries:
    """A stream's queries: its events and, for Parquet, Firehose's conversion errors. Each
    starts once its bronze prefix exists (Firehose creates it with its first object), so a new
    environment's job waits for events instead of failing. trigger is Spark's
    (processingTime=..., availableNow=True); by default the stream's interval."""

    def __init__(self, spark, bronze, silver, stream, reader, retention_days, trigger=None):
        self.spark, self.bronze, self.silver, self.stream, self.reader = spark, bronze, silver, stream, reader
        self.trigger = trigger or {"processingTime": f"{stream.trigger_seconds} seconds"}
        self.sink = Sink(spark, silver, stream, retention_days)
        self.started = {}
        self.start_ready()

    def start_ready(self):
        """Starts the queries whose bronze prefix exists now; returns the ones running."""
        stream = self.stream
        wanted = {"events": self.bronze + stream.bronze}
        if stream.errors:
            wanted["errors"] = self.bronze + stream.errors
        for kind, path in wanted.items():
            if kind not in self.started and exists(self.spark, path):
                self.started[kind] = self.start_events() if kind == "events" else self.start_errors()
        return list(self.started.values())

    def start_events(self):
        spark, stream, sink = self.spark, self.stream, self.sink
        checkpoint = self.silver + stream.state + EVENTS_CHECKPOINT

        def each(batch, batch_id):
            if sink.query_id is None:  # the checkpoint, and so the query's ID, exists from its first batch
                sink.follow(query_id(spark, checkpoint))
            sink.write(batch, batch_id)

        return (
            bronze_records(spark, self.bronze, stream, self.reader)
            .writeStream.queryName(f"{stream.name}-events")
            .foreachBatch(each)
            .option("checkpointLocation", checkpoint)
            .trigger(**self.trigger)
            .start()
        )

    def start_errors(self):
        stream, sink = self.stream, self.sink

        checkpoint = self.silver + stream.state + ERRORS_CHECKPOINT
        ids = {}

        def errors(batch, batch_id):
            if "id" not in ids:
                ids["id"] = query_id(self.spark, checkpoint)
            append_once(conversion_errors(batch), sink.quarantine_path, ids["id"] + ":quarantine", batch_id)

        return (
            file_stream(self.spark, stream, self.bronze + stream.errors, "text", TEXT, self.reader)
            .writeStream.queryName(f"{stream.name}-conversion-errors")
            .foreachBatch(errors)
            .option("checkpointLocation", checkpoint)
            .trigger(**self.trigger)
            .start()
        )


def start(spark, bronze, silver, stream, reader, retention_days, trigger=None):
    """Starts the stream's queries whose bronze prefix exists; returns them."""
    return Queries(spark, bronze, silver, stream, reader, retention_days, trigger).start_ready()


def backfill(spark, bronze, silver, stream, days, reader, retention_days, run=None):
    """Reprocesses the stream's bronze files of the arrival days (Firehose's folders) through
    availableNow runs on a checkpoint of their own, without the watermark: every event that
    fits and that silver lacks is merged (the late ones among them), and nothing twice.
    Returns the number of micro-batches."""
    run = run or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    sink = Sink(spark, silver, stream, retention_days)
    batches = []

    def each(batch, batch_id):
        sink.write(batch)
        batches.append(batch_id)

    for day in days:
        try:
            source = bronze_records(spark, bronze, stream, reader, day)
        except Exception as e:
            if tables.missing_path(e):
                log.info("%s: nothing under %s", stream.name, day_folder(day))
                continue
            raise
        checkpoint = f"{silver}{stream.state}{BACKFILL}{run}/{day.isoformat()}/"
        query = (
            source.writeStream.foreachBatch(each)
            .option("checkpointLocation", checkpoint)
            .trigger(availableNow=True)
            .start()
        )
        query.awaitTermination()
    return len(batches)


def settled_days(stream):
    """The partition predicate of the events days the streaming job's merges no longer read:
    before the watermark's reach, and a day more for the clock's."""
    days = -(-stream.watermark_seconds // 86400) + 1
    return f"`{stream.day_column}` < date_sub(current_date(), {days})"


def newest_event(spark, silver, stream):
    """The newest event time (UTC) the stream's query has seen, or None before its first event.
    Read as epoch microseconds: a collected timestamp would be in the Python process's zone."""
    progress = tables.existing(spark, silver + stream.state + PROGRESS)
    if progress is None:
        return None
    micros = progress.toDF().agg(F.max(F.unix_micros(NEWEST))).first()[0]
    return None if micros is None else datetime.fromtimestamp(micros / 1e6, UTC)


def freshness(newest, now):
    """The age, in seconds, of the newest event (never in the future: the job caps it at now)."""
    return max(0.0, (now - newest).total_seconds())


# The freshness metric the Monitoring stack alarms on (config.SpeedFreshnessMetric and
# SpeedStreamDimension; a test reads them from the synthesized alarm).
FRESHNESS_METRIC, STREAM_DIMENSION = "NewestEventAgeSeconds", "Stream"


def publish_freshness(cloudwatch, namespace, ages):
    """Publishes each stream's newest-event age ({Kinesis stream name: seconds}) in one call."""
    if not ages:
        return
    data = [
        {
            "MetricName": FRESHNESS_METRIC,
            "Dimensions": [{"Name": STREAM_DIMENSION, "Value": stream}],
            "Value": age,
            "Unit": "Seconds",
        }
        for stream, age in sorted(ages.items())
    ]
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def run(spark, bronze, silver, streams, reader, retention_days, publish=None, every_seconds=60):
    """Runs every stream's queries until one stops, and raises (a failed query's error, which
    fails the run: Databricks then restarts the continuous job and emails). Every
    every_seconds, publish (if given) receives each stream's newest-event age: {metric: s}."""
    spark.streams.resetTerminated()  # wait for these queries only
    streams_queries, queries = [], []
    try:
        streams_queries = [Queries(spark, bronze, silver, s, reader, retention_days) for s in streams]
        while True:
            queries = [q for sq in streams_queries for q in sq.start_ready()]
            waiting = [sq.stream.name for sq in streams_queries if "events" not in sq.started]
            if waiting:
                log.info("no bronze objects yet for %s: waiting", ", ".join(waiting))
            spark.streams.awaitAnyTermination(every_seconds)
            for q in queries:
                if not q.isActive:
                    error = q.exception()
                    if error is not None:
                        raise error
                    raise RuntimeError(f"query {q.name} stopped without an error")
            if publish:
                now = datetime.now(UTC)
                newest = {s.metric: newest_event(spark, silver, s) for s in streams}
                try:
                    publish({m: freshness(t, now) for m, t in newest.items() if t is not None})
                except Exception as e:  # a metric missed is the alarm's to notice, not a reason to stop
                    log.warning("could not publish the freshness metric: %s", e)
    finally:
        for sq in streams_queries:
            for q in sq.started.values():
                q.stop()
