"""The speed-layer benchmark (make bench-speed), on local Spark with Delta, for the staging
target's web-events stream (gzip JSON Lines) with a 1 s trigger:

1. latency: a running query while FILES objects land, one every INTERVAL seconds; for each
   object, the time from landing in bronze to the end of the micro-batch that committed its
   rows to silver (Spark's progress: trigger start plus its duration; the checkpoint's file
   log says which batch read which object): median and p95;
2. throughput: a backlog of BACKLOG objects worked off by one availableNow run at the stream's
   own cap per batch: events per second.

Then the end-to-end budget per environment from config (the bundle's targets): Firehose's
buffering interval, plus up to one trigger interval, plus the measured micro-batch."""

import dataclasses
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime

import yaml

from benchmarks.merge import jvm_peak_mib
from benchmarks.merge import session as benchmark_session
from dataplatform_jobs import settings, speed, tables
from fixtures import bundle
from fixtures.firehose import Delivery, event

FILES = int(os.environ.get("BENCH_FILES", "60"))
INTERVAL = float(os.environ.get("BENCH_INTERVAL", "0.5"))
EVENTS_PER_FILE = int(os.environ.get("BENCH_EVENTS_PER_FILE", "200"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "200"))
BACKLOG_EVENTS_PER_FILE = int(os.environ.get("BENCH_BACKLOG_EVENTS_PER_FILE", "1000"))
TRIGGER = "1 second"


def batch_of_files(checkpoint):
    """{object path: batch ID}, from the file source's log in the checkpoint."""
    out = {}
    folder = os.path.join(checkpoint, "sources", "0")
    for name in os.listdir(folder):
        if name.split(".")[0].isdigit() and not name.startswith("."):
            with open(os.path.join(folder, name)) as f:
                for line in f.read().splitlines()[1:]:
                    entry = json.loads(line)
                    out[entry["path"].removeprefix("file://")] = entry["batchId"]
    return out


def batch_ends(query):
    """{batch ID: when the batch ended (epoch seconds)}, for the batches that read data."""
    ends = {}
    for p in query.recentProgress:
        if p["numInputRows"]:
            start = datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")).timestamp()
            ends[p["batchId"]] = start + p["durationMs"]["triggerExecution"] / 1000
    return ends


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def lake(root):
    """(bronze, silver) under root, silver's tables declared as the staging target declares them:
    the speed layer writes only declared tables."""
    bronze, silver = root + "/bronze/", root + "/silver/"
    os.makedirs(bronze)
    tables.declare(silver, settings.declared_tables(bundle.target_variables()["silver_tables"]))
    return bronze, silver


def latency(spark, root, stream):
    bronze, silver = lake(root)
    firehose = Delivery(bronze, stream)
    firehose.deliver([event(stream, 0, datetime.now(UTC))])  # the query's first batch makes the tables
    (query,) = speed.start(spark, bronze, silver, stream, "files", 7, trigger={"processingTime": TRIGGER})
    query.processAllAvailable()
    landed = {}

    def produce():
        for i in range(FILES):
            now = datetime.now(UTC)
            batch = [event(stream, 1 + i * EVENTS_PER_FILE + n, now) for n in range(EVENTS_PER_FILE)]
            path = firehose.deliver(batch, arrival=now)
            landed[path] = time.time()
            time.sleep(INTERVAL)

    producer = threading.Thread(target=produce)
    started = time.time()
    producer.start()
    producer.join()
    query.processAllAvailable()
    elapsed = time.time() - started
    ends = batch_ends(query)
    batches = batch_of_files(silver + stream.state + speed.EVENTS_CHECKPOINT)
    query.stop()
    waits = [ends[batches[path]] - at for path, at in landed.items()]
    rows = spark.read.format("delta").load((silver + stream.events).rstrip("/")).count()
    assert rows == 1 + FILES * EVENTS_PER_FILE, rows
    measured = {batches[p] for p in landed}  # not the warm-up batch before them
    durations = [p["durationMs"]["triggerExecution"] / 1000 for p in query.recentProgress if p["batchId"] in measured]
    return {
        "files": FILES,
        "events": FILES * EVENTS_PER_FILE,
        "p50": statistics.median(waits),
        "p95": percentile(waits, 0.95),
        "batches": len(measured),
        "batch p50": statistics.median(durations),
        "batch p95": percentile(durations, 0.95),
        "offered events/s": FILES * EVENTS_PER_FILE / elapsed,
    }


def throughput(spark, root, stream):
    bronze, silver = lake(root)
    firehose = Delivery(bronze, stream)
    t0 = datetime.now(UTC)
    for i in range(BACKLOG):
        firehose.deliver([event(stream, i * BACKLOG_EVENTS_PER_FILE + n, t0) for n in range(BACKLOG_EVENTS_PER_FILE)])
    started = time.time()
    queries = speed.start(spark, bronze, silver, stream, "files", 7, trigger={"availableNow": True})
    for q in queries:
        q.awaitTermination()
    elapsed = time.time() - started
    events = BACKLOG * BACKLOG_EVENTS_PER_FILE
    assert spark.read.format("delta").load((silver + stream.events).rstrip("/")).count() == events
    return {"files": BACKLOG, "events": events, "seconds": elapsed, "events/s": events / elapsed}


def budget(batch_p50, batch_p95):
    """Per environment with the speed layer and stream: buffering + trigger + micro-batch."""
    with open(os.path.join(bundle.JOBS, "targets.yml")) as f:
        targets = yaml.safe_load(f)["targets"]
    lines = []
    for name in ("staging", "production"):
        for s in settings.streams(targets[name]["variables"]["streams"]):
            worst = s.buffering_seconds + s.trigger_seconds + batch_p95
            lines.append(
                f"| {name} | {s.name} | {s.buffering_seconds} s | up to {s.trigger_seconds} s "
                f"| {batch_p50:.1f} s (p95 {batch_p95:.1f} s) | up to {worst:.0f} s |"
            )
    return lines


def main():
    # The merge benchmark's session, at the shuffle width the speed benchmark was measured with;
    # the progress of every micro-batch is kept for the latencies.
    spark = benchmark_session(
        {
            "spark.sql.shuffle.partitions": "2",
            "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
            "spark.sql.streaming.numRecentProgressUpdates": "10000",
        }
    )
    web = {s.name: s for s in settings.streams(bundle.target_variables()["streams"])}["web-events"]
    root = tempfile.mkdtemp(prefix="bench-speed-")
    try:
        fast = dataclasses.replace(web, trigger_seconds=1)
        lat = latency(spark, root + "/latency", fast)
        thr = throughput(spark, root + "/throughput", web)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores, local[2], trigger {TRIGGER}")
    print(
        f"latency: {lat['files']} objects of {EVENTS_PER_FILE} events, one every {INTERVAL} s "
        f"({lat['offered events/s']:.0f} events/s offered), {lat['batches']} micro-batches: "
        f"landing to readable in silver p50 {lat['p50']:.2f} s, p95 {lat['p95']:.2f} s; "
        f"a micro-batch takes {lat['batch p50']:.2f} s (p50), {lat['batch p95']:.2f} s (p95)"
    )
    print(
        f"throughput: a backlog of {thr['files']} objects, {thr['events']:,} events, in "
        f"{thr['seconds']:.1f} s: {thr['events/s']:,.0f} events/s"
    )
    print(f"peak JVM memory {jvm_peak_mib(spark)} MiB")
    print("| environment | stream | Firehose buffering | trigger | micro-batch (measured here) | end to end |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for line in budget(lat["batch p50"], lat["batch p95"]):
        print(line)
    spark.stop()


if __name__ == "__main__":
    main()
