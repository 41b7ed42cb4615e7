"""The speed layer on local Spark with Delta, over Firehose objects written as the delivery
streams write them (fixtures/firehose.py) for the staging target's streams: web-events (gzip JSON
Lines) and orders-events (Parquet, with Firehose's conversion errors)."""

import dataclasses
import json
import os
from contextlib import contextmanager
from datetime import timedelta

import boto3
import pytest
from delta.tables import DeltaTable
from moto import mock_aws

from dataplatform_jobs import settings, speed
from fixtures.firehose import Delivery, event

from .conftest import declare_with

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def streams(variables):
    return {s.name: s for s in settings.streams(variables["streams"])}


@pytest.fixture
def web(streams):
    return streams["web-events"]


@pytest.fixture
def orders(streams):
    return streams["orders-events"]


def run(spark, lake, stream, **kwargs):
    """One availableNow run of the stream's queries; returns the rows each read."""
    bronze, silver = lake
    queries = speed.start(spark, bronze, silver, stream, "files", 7, trigger={"availableNow": True}, **kwargs)
    for q in queries:
        q.awaitTermination()
        assert q.exception() is None
    return sum(p["numInputRows"] for q in queries for p in q.recentProgress)


@contextmanager
def live(spark, lake, stream):
    """The stream's queries running (a batch as soon as files land); settle() returns once
    they have processed every file landed so far."""
    bronze, silver = lake
    queries = speed.Queries(spark, bronze, silver, stream, "files", 7, trigger={"processingTime": "0 seconds"})

    def settle():
        for q in queries.start_ready():
            q.processAllAvailable()

    try:
        yield settle
    finally:
        for q in queries.started.values():
            q.stop()


def table(spark, lake, prefix):
    path = (lake[1] + prefix).rstrip("/")
    return spark.read.format("delta").load(path) if DeltaTable.isDeltaTable(spark, path) else None


def rows(spark, lake, prefix, *columns):
    df = table(spark, lake, prefix)
    if df is None:
        return []
    return sorted(tuple(r) for r in df.select(*(columns or df.columns)).collect())


def ids(spark, lake, stream, prefix=None):
    return [r[0] for r in rows(spark, lake, prefix or stream.events, stream.event_id)]


def events(stream, first, count, at, step=timedelta(seconds=1)):
    return [event(stream, n, at + step * (n - first)) for n in range(first, first + count)]


def test_config_gives_every_stream_a_schema_with_an_event_id_and_time(streams):
    assert sorted(streams) == ["orders-events", "web-events"]
    for s in streams.values():
        kinds = dict(s.columns)
        assert kinds[s.event_id] == "string" and kinds[s.event_time] == "timestamp"
        assert s.trigger_seconds >= 1 and (s.max_files_per_trigger or s.max_bytes_per_trigger)
    assert streams["web-events"].extension == ".json.gz" and streams["orders-events"].errors


def test_a_query_starts_once_firehose_has_written_its_first_object(spark, lake, orders):
    bronze, silver = lake
    waiting = speed.Queries(spark, bronze, silver, orders, "files", 7, trigger={"availableNow": True})
    assert waiting.start_ready() == [], "no bronze prefix yet: nothing to read, nothing fails"
    firehose = Delivery(bronze, orders)
    firehose.deliver(events(orders, 0, 2, firehose.clock))
    (events_query,) = waiting.start_ready()
    firehose.conversion_failed(["garbage"])
    assert len(waiting.start_ready()) == 2, "the conversion errors' query starts with their first object"
    for q in waiting.start_ready():
        q.awaitTermination()
    assert len(ids(spark, lake, orders)) == 2 and len(rows(spark, lake, orders.quarantine)) == 1


def test_a_running_query_picks_up_new_files(spark, lake, web):
    firehose = Delivery(lake[0], web)
    t0 = firehose.clock
    firehose.deliver(events(web, 0, 5, t0))
    with live(spark, lake, web) as settle:
        settle()
        assert len(ids(spark, lake, web)) == 5
        firehose.deliver(events(web, 5, 5, t0 + timedelta(minutes=1)))
        settle()
        assert ids(spark, lake, web) == sorted(event(web, n, t0)[web.event_id] for n in range(10))


def test_after_a_restart_nothing_is_processed_twice(spark, lake, web):
    bronze, silver = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    for n in range(3):
        firehose.deliver(events(web, n * 4, 4, t0 + timedelta(seconds=n * 10)))
    assert run(spark, lake, web) == 12
    before = rows(spark, lake, web.events)
    # An hour later, past the watermark: reading the first files again would call them late.
    firehose.deliver(events(web, 100, 4, t0 + timedelta(hours=1)))
    assert run(spark, lake, web) == 4, "the restart reads only the new file"
    after = rows(spark, lake, web.events)
    assert len(after) == 16 and set(before) <= set(after)
    assert run(spark, lake, web) == 0
    assert rows(spark, lake, web.events) == after and rows(spark, lake, web.late) == []


def test_a_batch_replayed_after_a_crash_writes_nothing_twice(spark, lake, web):
    bronze, silver = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    firehose.deliver(events(web, 0, 4, t0 + timedelta(hours=1)))
    firehose.deliver(events(web, 10, 2, t0) + [event(web, 0, t0, page=None)], lines=["not json"])
    run(spark, lake, web)
    # The last batch raises the newest event time, and has no late event under its own
    # watermark (from the first batch); a replay that took a watermark from its own events
    # would call on_time late.
    on_time = event(web, 31, t0 + timedelta(minutes=50))
    firehose.deliver(events(web, 20, 3, t0 + timedelta(hours=2)) + [on_time])
    run(spark, lake, web)
    assert on_time[web.event_id] in ids(spark, lake, web)
    tables = (web.events, web.late, web.quarantine, web.state + speed.PROGRESS)
    before = {p: rows(spark, lake, p) for p in tables}
    assert before[web.quarantine] and before[web.late] == []
    # The run wrote its tables, then "crashed" before its checkpoint recorded the batch.
    commits = os.path.join(silver, web.state, speed.EVENTS_CHECKPOINT, "commits")
    last = max(int(n) for n in os.listdir(commits) if n.isdigit())
    for name in (str(last), f".{last}.crc"):
        os.remove(os.path.join(commits, name))
    assert run(spark, lake, web) == 4, "the last batch runs again"
    assert {p: rows(spark, lake, p) for p in tables} == before


def test_the_same_content_under_another_object_name_is_deduplicated(spark, lake, web):
    bronze, _ = lake
    firehose = Delivery(bronze, web)
    first = firehose.deliver(events(web, 0, 6, firehose.clock))
    with live(spark, lake, web) as settle:
        settle()
        firehose.redeliver(first)
        firehose.redeliver(first)
        settle()
    assert len(ids(spark, lake, web)) == 6
    assert rows(spark, lake, web.late) == []


def test_a_duplicate_event_is_dropped(spark, lake, web):
    bronze, _ = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    twice = event(web, 1, t0)
    firehose.deliver([twice, twice, event(web, 2, t0)])
    firehose.deliver([twice])
    with live(spark, lake, web) as settle:
        settle()
        firehose.deliver([twice, event(web, 3, t0)])
        settle()
    assert ids(spark, lake, web) == sorted(event(web, n, t0)[web.event_id] for n in (1, 2, 3))


def test_an_event_beyond_the_watermark_lands_in_the_late_table(spark, lake, web):
    bronze, _ = lake
    firehose = Delivery(bronze, web)
    newest = firehose.clock + timedelta(hours=2)
    firehose.deliver(events(web, 0, 3, newest - timedelta(seconds=2)))
    delay = timedelta(seconds=web.watermark_seconds)
    late = event(web, 50, newest - delay - timedelta(minutes=1))
    in_time = event(web, 51, newest - delay + timedelta(minutes=1))
    with live(spark, lake, web) as settle:
        settle()
        firehose.deliver([late, in_time])
        settle()
    assert late[web.event_id] not in ids(spark, lake, web) and in_time[web.event_id] in ids(spark, lake, web)
    (kept,) = rows(spark, lake, web.late, web.event_id, speed.WATERMARK)
    assert kept == (late[web.event_id], newest.replace(tzinfo=None) - delay)


def test_a_malformed_line_is_quarantined_and_the_rest_of_its_file_kept(spark, lake, web):
    bronze, _ = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    missing_id = {k: v for k, v in firehose.as_sent(event(web, 9, t0)).items() if k != web.event_id}
    path = firehose.deliver(
        events(web, 0, 3, t0),
        lines=[
            '{"event_id": "truncated", "page": "/',
            '{"event_id": "e-late", "event_time": "yesterday"}',
            json.dumps(missing_id),
            "[1, 2]",
            json.dumps(firehose.as_sent(event(web, 7, t0))) + json.dumps(firehose.as_sent(event(web, 8, t0))),
        ],
    )
    run(spark, lake, web)
    assert len(ids(spark, lake, web)) == 3
    assert rows(spark, lake, web.quarantine, speed.RECORD, speed.REASON) == sorted(
        [
            ('{"event_id": "truncated", "page": "/', "not a JSON object"),
            ('{"event_id": "e-late", "event_time": "yesterday"}', f"{web.event_time}: yesterday is not a timestamp"),
            (json.dumps(missing_id), f"event ID {web.event_id} is missing or null"),
            ("[1, 2]", "not a JSON object"),
            (
                json.dumps(firehose.as_sent(event(web, 7, t0))) + json.dumps(firehose.as_sent(event(web, 8, t0))),
                speed.SEVERAL_OBJECTS,
            ),
        ]
    )
    files = {f for (f,) in rows(spark, lake, web.quarantine, speed.BRONZE_FILE)}
    assert len(files) == 1 and files.pop().endswith(os.path.basename(path))


def test_a_producer_that_already_ends_records_with_a_newline_adds_no_quarantine_rows(spark, lake, web):
    # The delivery's AppendDelimiterToRecord processor adds a newline to every record (FACTS.md,
    # "Found in the second reading"): one a producer already ended with one leaves a blank line.
    bronze, _ = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    firehose.deliver(events(web, 0, 3, t0), ending="\n")
    firehose.deliver(events(web, 3, 2, t0), lines=["   ", "\t"], ending="\r\n")
    assert run(spark, lake, web) > 5, "the blank lines are read: the job must skip them"
    assert len(ids(spark, lake, web)) == 5
    assert rows(spark, lake, web.quarantine) == []


def test_firehose_error_documents_back_to_back_are_kept_whole_and_blank_lines_skipped(spark, lake, orders):
    bronze, _ = lake
    firehose = Delivery(bronze, orders)
    firehose.deliver(events(orders, 0, 1, firehose.clock))
    together = firehose.conversion_failed(['{"order_id": "x"}', "garbage"], delimiter="")
    firehose.conversion_failed(["alone"], delimiter="\n\n")
    run(spark, lake, orders)
    got = rows(spark, lake, orders.quarantine, speed.RECORD, speed.REASON)
    with open(together) as f:
        line = f.read()
    failed = "Firehose could not convert it to Parquet: DataFormatConversion.MalformedData: "
    failed += "The input record is not valid JSON or does not match the schema."
    assert got == sorted([(line, speed.SEVERAL_DOCUMENTS), ("alone", failed)]), (
        "two documents on a line are quarantined whole (from_json would read the first and drop the "
        "second); a blank line is no document"
    )


def test_parquet_events_and_firehose_conversion_errors(spark, lake, orders):
    bronze, _ = lake
    firehose = Delivery(bronze, orders)
    t0 = firehose.clock
    firehose.deliver(events(orders, 0, 4, t0) + [event(orders, 5, t0, **{orders.event_id: None})])
    firehose.conversion_failed(['{"order_id": "not-a-number"}', "garbage"])
    run(spark, lake, orders)
    assert len(ids(spark, lake, orders)) == 4
    silver = table(spark, lake, orders.events)
    assert dict(silver.dtypes)["order_id"] == "bigint" and dict(silver.dtypes)[orders.event_time] == "timestamp"
    failed = "Firehose could not convert it to Parquet: DataFormatConversion.MalformedData: "
    failed += "The input record is not valid JSON or does not match the schema."
    got = rows(spark, lake, orders.quarantine, speed.RECORD, speed.REASON)
    assert sorted(r for r, why in got if why == failed) == sorted(['{"order_id": "not-a-number"}', "garbage"])
    (no_id,) = [r for r, why in got if why == f"event ID {orders.event_id} is missing or null"]
    assert json.loads(no_id)["order_id"] == event(orders, 5, t0)["order_id"]
    assert len(got) == 3


def test_a_new_field_is_ignored_until_declared_then_added(spark, lake, web, variables):
    bronze, _ = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    firehose.deliver([event(web, 1, t0, referrer="https://example.com/")])
    run(spark, lake, web)
    assert "referrer" not in table(spark, lake, web.events).columns, "an undeclared field is not read"
    declared = dataclasses.replace(web, columns=(*web.columns, ("referrer", "string")))
    # Config declares it for the stream and for its silver tables alike (make bundle-config).
    declare_with(lake[1], variables, (web.events, web.late), (("referrer", "string"), web.columns[-1][0]))
    firehose.deliver([event(web, 2, t0, referrer="https://example.org/")])
    run(spark, lake, declared)
    got = {r[0]: r[1] for r in rows(spark, lake, web.events, web.event_id, "referrer")}
    assert got == {event(web, 1, t0)[web.event_id]: None, event(web, 2, t0)[web.event_id]: "https://example.org/"}


def test_a_backfill_brings_in_the_late_events_and_adds_nothing_twice(spark, lake, web):
    bronze, silver = lake
    firehose = Delivery(bronze, web)
    t0 = firehose.clock
    firehose.deliver(events(web, 0, 5, t0 + timedelta(hours=3)))
    late = events(web, 10, 2, t0)
    with live(spark, lake, web) as settle:
        settle()
        firehose.deliver(late + [event(web, 0, t0 + timedelta(hours=3))])
        settle()
    assert len(rows(spark, lake, web.late)) == 2
    before = set(rows(spark, lake, web.events))
    days = [t0.date()]
    assert speed.backfill(spark, bronze, silver, web, days, "files", 7, run="first") >= 1
    after = rows(spark, lake, web.events)
    assert len(after) == 7 and before <= set(after)
    assert {e[web.event_id] for e in late} <= set(ids(spark, lake, web))
    speed.backfill(spark, bronze, silver, web, days, "files", 7, run="second")
    assert rows(spark, lake, web.events) == after


def test_the_freshness_metric_is_the_alarms(spark, lake, web, variables):
    template = json.load(open(os.path.join(ROOT, "test", "testdata", "staging", "Monitoring.json")))
    alarms = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    freshness = [a for a in alarms if a.get("Namespace") == variables["speed_metric_namespace"]]
    assert {(a["MetricName"], a["Dimensions"][0]["Name"], a["Dimensions"][0]["Value"]) for a in freshness} == {
        (speed.FRESHNESS_METRIC, speed.STREAM_DIMENSION, s.metric) for s in settings.streams(variables["streams"])
    }
    bronze, silver = lake
    firehose = Delivery(bronze, web)
    newest = firehose.clock + timedelta(minutes=5)
    firehose.deliver(events(web, 0, 2, newest - timedelta(seconds=1)))
    run(spark, lake, web)
    assert speed.newest_event(spark, silver, web) == newest
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        age = speed.freshness(speed.newest_event(spark, silver, web), newest + timedelta(seconds=90))
        speed.publish_freshness(cloudwatch, variables["speed_metric_namespace"], {web.metric: age})
        (metric,) = cloudwatch.list_metrics(Namespace=variables["speed_metric_namespace"])["Metrics"]
        assert metric["MetricName"] == speed.FRESHNESS_METRIC
        assert metric["Dimensions"] == [{"Name": speed.STREAM_DIMENSION, "Value": web.metric}]
    assert age == 90


def test_the_speed_layer_refuses_to_start_without_streams():
    from dataplatform_jobs import entrypoints

    with pytest.raises(SystemExit) as exit:
        entrypoints.speed_layer(["--bronze", "/b/", "--silver", "/s/", "--reader", "files"])
    assert exit.value.code == 2


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.pop("event_id"), "missing event_id"),
        (lambda e: e.update(state="_state/x"), "state '_state/x' must be a prefix ending in /"),
        (lambda e: e.update(format="avro"), "format 'avro' must be one of json, parquet"),
        (lambda e: e.update(event_time="page"), "must be a string column and event_time 'page' a timestamp column"),
        (lambda e: e.update(trigger_seconds="60"), "trigger_seconds '60' must be a whole number"),
        (lambda e: e.update(max_bytes_per_trigger=1024), "exactly one of max_files_per_trigger, max_bytes_per_trigger"),
        (lambda e: e.update(trigger_seconds=0), "needs trigger_seconds >= 1"),
        (lambda e: e["columns"].append({"name": "reason", "type": "string"}), "not ['reason']"),
        (lambda e: e.update(errors="errors/kinesis/web-events/"), "empty for json"),
    ],
)
def test_bad_stream_settings_name_the_field(variables, change, message):
    entries = [json.loads(variables["streams"])[0]]  # web-events, a JSON stream
    change(entries[0])
    with pytest.raises(settings.InvalidSettings, match=message.replace("(", r"\(").replace("[", r"\[")):
        settings.streams(json.dumps(entries))


def test_a_failing_query_fails_the_job(spark, lake, web, monkeypatch):
    bronze, silver = lake
    firehose = Delivery(bronze, web)
    firehose.deliver(events(web, 0, 1, firehose.clock))

    def explode(*args, **kwargs):
        raise RuntimeError("the merge broke")

    monkeypatch.setattr(speed.Sink, "merge_events", explode)
    with pytest.raises(Exception, match="the merge broke"):
        speed.run(spark, bronze, silver, [web], "files", 7, every_seconds=1)
    assert not spark.streams.active


def test_maintenance_compacts_only_the_days_the_stream_no_longer_writes(spark, lake, web, variables):
    from datetime import UTC, datetime

    from dataplatform_jobs import entrypoints

    bronze, silver = lake
    firehose = Delivery(bronze, web)
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=10)
    with live(spark, lake, web) as settle:
        for n in range(2):  # two batches, two files in the old day's partition
            firehose.deliver([event(web, n, old)], arrival=old + timedelta(seconds=n))
            settle()
        for n in range(2, 4):
            firehose.deliver([event(web, n, now)], arrival=now + timedelta(seconds=n))
            settle()
    entrypoints.maintain(
        [
            "--local",
            "--silver", silver,
            "--tables", variables["rds_tables"],
            "--sources", variables["api_sources"],
            "--streams", variables["streams"],
            "--retention-days", "7",
        ]
    )  # fmt: skip
    files = table(spark, lake, web.events).select(web.day_column, "_metadata.file_path").distinct()
    per_day = {r[0]: r[1] for r in files.groupBy(web.day_column).count().collect()}
    assert per_day == {old.date(): 1, now.date(): 2}, "the old day compacted, today's files left to the stream"
    for prefix in (web.late, web.quarantine, web.state + speed.PROGRESS):
        path = (silver + prefix).rstrip("/")
        operations = {r.operation for r in spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()}
        assert "VACUUM END" in operations, prefix


# Auto Loader's options that the speed layer sets (docs.databricks.com, "Auto Loader options"):
# common options take the cloudFiles. prefix, generic file source options (pathGlobFilter) not.
AUTO_LOADER_OPTIONS = {
    "cloudFiles.format",
    "cloudFiles.maxFilesPerTrigger",
    "cloudFiles.maxBytesPerTrigger",
    "cloudFiles.schemaEvolutionMode",
    "pathGlobFilter",
}


@pytest.mark.parametrize("name", ["web-events", "orders-events"])
def test_auto_loader_is_given_the_file_sources_settings(streams, name):
    stream = streams[name]
    fmt = "text" if stream.format == "json" else "parquet"
    source, options = speed.reader_options(stream, fmt, "autoloader", "*" + stream.extension)
    local_source, local = speed.reader_options(stream, fmt, "files", "*" + stream.extension)
    assert source == "cloudFiles" and options["cloudFiles.format"] == local_source == fmt
    assert set(options) <= AUTO_LOADER_OPTIONS
    cap = "maxFilesPerTrigger" if stream.max_files_per_trigger else "maxBytesPerTrigger"
    assert options["cloudFiles." + cap] == local[cap] != "0"
    assert options["pathGlobFilter"] == local["pathGlobFilter"] == "*" + stream.extension
    assert ("cloudFiles.schemaEvolutionMode" in options) == (stream.format == "parquet")


def test_a_byte_cap_bounds_the_local_batches(spark, lake, web):
    capped = dataclasses.replace(web, max_files_per_trigger=0, max_bytes_per_trigger=1)
    firehose = Delivery(lake[0], web)
    for n in range(3):
        firehose.deliver(events(web, n * 2, 2, firehose.clock))
    bronze, silver = lake
    (query,) = speed.start(spark, bronze, silver, capped, "files", 7, trigger={"availableNow": True})
    query.awaitTermination()
    assert [p["numInputRows"] for p in query.recentProgress if p["numInputRows"]] == [2, 2, 2], "one object per batch"
