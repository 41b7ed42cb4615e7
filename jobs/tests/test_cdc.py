"""The CDC merge on local Spark with Delta, one test per case the merge must get right; each
fixture is written as DMS writes bronze (fixtures/dms.py)."""

import decimal
import json
import os
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F
from pyspark.sql import types as T

from dataplatform_jobs import cdc, entrypoints, tables
from fixtures import dms

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def customer(i, name=None, **extra):
    return {
        "customer_id": i,
        "email": f"c{i}@example.com",
        "full_name": name or f"Customer {i}",
        "country": "DE",
        "created_at": T0,
        **extra,
    }


@pytest.fixture
def customers(lake, rds_tables, columns):
    """The customers table's bronze writer and a function that runs the job and returns
    silver's current rows as {customer_id: full_name}."""
    bronze, silver = lake
    table = rds_tables["public.customers"]
    return dms.writer(bronze, table, columns), table


def run(spark, lake, table, columns):
    bronze, silver = lake
    return cdc.run(spark, bronze, silver, table, columns)


def current(spark, lake, table, column="full_name", key="customer_id"):
    path = lake[1] + table.current
    if not DeltaTable.isDeltaTable(spark, path):
        return {}
    rows = spark.read.format("delta").load(path).collect()
    keys = [r[key] for r in rows]
    assert len(keys) == len(set(keys)), f"one row per key in silver, got keys {sorted(keys)}"
    return {r[key]: r[column] for r in rows}


def version(spark, path):
    return DeltaTable.forPath(spark, path).history(1).collect()[0]["version"]


def test_full_load_becomes_the_current_rows(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1), customer(2)])
    assert run(spark, lake, table, columns) == 1
    assert current(spark, lake, table) == {1: "Customer 1", 2: "Customer 2"}
    history = spark.read.format("delta").load(lake[1] + table.history)
    assert history.count() == 2
    assert {r[cdc.CDC] for r in history.collect()} == {False}


def test_newest_change_per_key_by_commit_time_then_sequence(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    same_time = writer.tick()
    # Two updates of one key in one commit: the change sequence decides.
    writer.changes([("U", customer(1, "first"), same_time), ("U", customer(1, "second"), same_time)])
    # An update committed later in an earlier-named file: commit time decides, not the file.
    later = writer.tick()
    writer.changes([("U", customer(2, "new 2"), later)], name="00000000-000000000.parquet")
    writer.changes([("I", customer(2, "old 2"), same_time)])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "second", 2: "new 2"}


def test_deletes_are_applied(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1), customer(2), customer(3)])
    writer.changes([("D", customer(3))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "Customer 1", 2: "Customer 2"}
    writer.changes([("D", customer(1))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {2: "Customer 2"}


def test_duplicate_and_replayed_files_are_harmless(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    path = writer.changes([("U", customer(1, "renamed")), ("I", customer(2))])
    run(spark, lake, table, columns)
    before = spark.read.format("delta").load(lake[1] + table.history).count()
    # DMS re-sends the same changes in a new file after a restart.
    shutil.copy(path, os.path.join(writer.folder, "29990101-000000000.parquet"))
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "renamed", 2: "Customer 2"}
    assert spark.read.format("delta").load(lake[1] + table.history).count() == before


def test_a_batch_applied_twice_changes_nothing(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    writer.changes([("U", customer(1, "renamed")), ("D", customer(1, "renamed"))])
    bronze, silver = lake
    batch = cdc.label(cdc.read_files(spark.read, bronze + table.bronze))
    cdc.apply(spark, batch, table, columns, silver, 7)
    rows = sorted(map(str, spark.read.format("delta").load(silver + table.history).collect()))
    cdc.apply(spark, batch, table, columns, silver, 7)
    assert sorted(map(str, spark.read.format("delta").load(silver + table.history).collect())) == rows
    assert current(spark, lake, table) == {}


def test_a_late_older_change_never_rolls_a_row_back(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    old = writer.tick()
    new = writer.tick()
    writer.changes([("U", customer(1, "new"), new)])
    run(spark, lake, table, columns)
    writer.changes([("U", customer(1, "old"), old)])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "new"}


def test_a_late_older_change_never_brings_a_deleted_row_back(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    old = writer.tick()
    new = writer.tick()
    writer.changes([("D", customer(1), new)])
    run(spark, lake, table, columns)
    writer.changes([("U", customer(1, "zombie"), old)])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {}


def test_a_delete_then_a_reinsert(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    writer.changes([("D", customer(1))])
    run(spark, lake, table, columns)
    writer.changes([("I", customer(1, "back"))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "back"}
    tombstones = spark.read.format("delta").load(lake[1] + table.state + "tombstones/")
    assert tombstones.where("customer_id = 1").count() == 0, "a re-insert clears the delete's marker"
    # In one batch too.
    writer.changes([("D", customer(1, "back"))])
    writer.changes([("I", customer(1, "again"))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "again"}


# A new source column: tests/test_tables.py (it must be declared in config first).


def test_a_second_run_with_nothing_new_changes_nothing(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1), customer(2)])
    writer.changes([("U", customer(1, "renamed")), ("D", customer(2))])
    assert run(spark, lake, table, columns) >= 1
    silver = lake[1]
    versions = {p: version(spark, silver + p) for p in (table.current, table.history, table.state + "tombstones/")}
    assert run(spark, lake, table, columns) == 0
    assert {p: version(spark, silver + p) for p in versions} == versions
    assert current(spark, lake, table) == {1: "renamed"}


def test_history_answers_as_of(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    renamed_at = writer.tick()
    writer.changes([("U", customer(1, "renamed"), renamed_at)])
    writer.changes([("D", customer(1, "renamed"))])
    run(spark, lake, table, columns)
    history = spark.read.format("delta").load(lake[1] + table.history)
    history.createOrReplaceTempView("history")
    as_of = spark.sql(
        f"""SELECT full_name, {columns.op} AS op FROM history
            WHERE customer_id = 1 AND {columns.timestamp} <= timestamp'{renamed_at:%Y-%m-%d %H:%M:%S}'
            ORDER BY {cdc.CDC} DESC, {columns.timestamp} DESC, {columns.sequence} DESC LIMIT 1"""
    ).collect()
    assert [(r.full_name, r.op) for r in as_of] == [("renamed", "U")]
    assert history.count() == 3


def test_a_run_reads_only_the_history_days_its_changes_were_committed_on(spark, lake, customers, columns):
    """The history is partitioned by each change's commit day in UTC, whatever the session's
    zone, and a run's merge reads only the days its batch was committed on: with the full load's
    day moved out of reach, a run of the next day's changes still succeeds (a merge that read
    the whole history would fail on its missing files)."""
    writer, table = customers
    writer.full_load([customer(1), customer(2)])
    run(spark, lake, table, columns)
    path = (lake[1] + table.history).rstrip("/")
    assert DeltaTable.forPath(spark, path).detail().first().partitionColumns == ["_commit_date"]
    loaded = os.path.join(path, "_commit_date=2026-05-01")
    shutil.move(loaded, loaded + ".away")
    late_evening = datetime(2026, 5, 2, 23, 30, tzinfo=UTC)  # 3 May in Tokyo
    writer.changes([("U", customer(1, "renamed"))], at=late_evening)
    with session_time_zone(spark, "Asia/Tokyo"):
        run(spark, lake, table, columns)
    shutil.move(loaded + ".away", loaded)
    history = spark.read.format("delta").load(path)
    got = sorted((r.customer_id, r[columns.op], str(r._commit_date)) for r in history.collect())
    assert got == [(1, "I", "2026-05-01"), (1, "U", "2026-05-02"), (2, "I", "2026-05-01")]


def test_no_bronze_yet_is_no_run(spark, lake, rds_tables, columns):
    assert run(spark, lake, rds_tables["public.orders"], columns) == 0


def test_changes_outrank_the_full_load(spark, lake, customers, columns):
    # DMS stamps full-load rows with the load's time: a change committed while the table was
    # being loaded carries an earlier time, yet is newer than the loaded row.
    writer, table = customers
    during_load = writer.tick()
    writer.changes([("U", customer(1, "changed during the load"), during_load)])
    writer.full_load([customer(1, "as loaded")], at=writer.tick())
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "changed during the load"}


def order_row(i, status, updated_at):
    return {
        "order_id": i,
        "customer_id": 1,
        "status": status,
        "total": decimal.Decimal("10.00"),
        "currency": "EUR",
        "ordered_at": T0,
        "updated_at": updated_at,
    }


def watermarks(spark, lake, table):
    path = (lake[1] + table.watermarks).rstrip("/")
    rows = spark.read.format("delta").load(path).collect()
    # Spark hands timestamps back naive, in the session's time zone (UTC).
    return [(r.table_name, r.change_key, r.watermark.replace(tzinfo=UTC)) for r in rows]


def test_the_served_tables_watermark_is_its_newest_change_in_silver(spark, lake, rds_tables, columns):
    """The batch job records, for the table the serving view answers for, the newest change key
    its silver history holds; a run without new files keeps it, a newer change moves it, and a
    table without a change key records nothing. A delete's time is DMS's commit time (in the
    form DMS documents; the next test reads the other)."""
    table = rds_tables["public.orders"]
    assert (table.change_key, table.watermarks) == ("updated_at", "watermarks/")
    writer = dms.writer(lake[0], table, columns)
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    writer.full_load([order_row(1, "new", T0), order_row(2, "new", t1)])
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t1)]
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t1)]
    writer.changes([("U", order_row(1, "paid", t2))])
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t2)]
    # A delete carries the key only (no updated_at): its time is when DMS committed it.
    t3 = T0 + timedelta(hours=3, microseconds=250)
    writer.changes([("D", order_row(2, "new", t1))], at=t3)
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t3)]
    # A late change with an older change key (a replica catching up) never moves it back.
    writer.changes([("U", order_row(1, "late", t1))])
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t3)]
    assert spark.read.format("delta").load((lake[1] + table.watermarks).rstrip("/")).schema["watermark"].dataType == (
        T.TimestampType()
    )
    assert rds_tables["public.customers"].change_key == ""


@contextmanager
def session_time_zone(spark, zone):
    """The session's time zone set to zone for a while: the job must not depend on it."""
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", zone)
    try:
        yield
    finally:
        spark.conf.set("spark.sql.session.timeZone", before)


def micros(at):
    """An aware datetime as microseconds since the epoch: what Spark's unix_micros returns."""
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@pytest.mark.parametrize("commit_time", [dms.STRING, dms.TIMESTAMP])
def test_the_commit_time_is_a_utc_timestamp_whatever_dms_writes(spark, lake, rds_tables, columns, commit_time):
    """DMS documents its commit-time column as text (yyyy-MM-dd HH:mm:ss.SSSSSS, UTC); a Parquet
    timestamp is read too. Either way silver holds a timestamp with the same instant, whatever
    the session's time zone, changes are ordered by it to the microsecond, and a delete's commit
    time is the served table's watermark."""
    table = rds_tables["public.orders"]
    writer = dms.writer(lake[0], table, columns, commit_time=commit_time)
    loaded, first, second = (
        T0,
        T0 + timedelta(minutes=5, microseconds=123456),
        T0 + timedelta(minutes=5, microseconds=123457),
    )
    changed = T0 + timedelta(minutes=1)  # the updates' change key: older than the delete's commit
    writer.full_load([order_row(1, "new", T0), order_row(2, "new", T0)], at=loaded)
    # One microsecond apart, the later in the earlier file: only the parsed instant orders them.
    writer.changes([("U", order_row(1, "later", changed), second)], name="20260501-120500000.parquet")
    writer.changes(
        [("U", order_row(1, "earlier", changed), first), ("D", order_row(2, "new", T0), first)],
        name="20260501-120600000.parquet",
    )
    with session_time_zone(spark, "America/New_York"):
        run(spark, lake, table, columns)
    assert current(spark, lake, table, "status", key="order_id") == {1: "later"}
    ts = columns.timestamp
    for prefix in (table.current, table.history, table.state + cdc.TOMBSTONES):
        frame = spark.read.format("delta").load((lake[1] + prefix).rstrip("/"))
        assert frame.schema[ts].dataType == T.TimestampType(), f"{prefix}: {frame.schema[ts].dataType}"
    history = spark.read.format("delta").load((lake[1] + table.history).rstrip("/"))
    got = sorted(
        (r.order_id, r.op, r.at)
        for r in history.select("order_id", F.col(columns.op).alias("op"), F.unix_micros(ts).alias("at")).collect()
    )
    assert got == sorted(
        [
            (1, "I", micros(loaded)),
            (2, "I", micros(loaded)),
            (1, "U", micros(second)),
            (1, "U", micros(first)),
            (2, "D", micros(first)),
        ]
    )
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", first)]


def rewrite_commit_time(path, name, value):
    """Rewrites the commit-time column of the bronze file at path to value in every row."""
    data = pq.read_table(path)
    i = data.schema.get_field_index(name)
    data = data.set_column(i, name, pa.array([value] * data.num_rows, pa.string()))
    pq.write_table(data, path)


def test_an_unreadable_commit_time_names_the_file_value_and_format_and_writes_nothing(spark, lake, customers, columns):
    writer, table = customers
    writer.full_load([customer(1)])
    run(spark, lake, table, columns)
    silver = lake[1]
    paths = (table.current, table.history, table.state + cdc.TOMBSTONES)
    versions = {p: version(spark, silver + p) for p in paths}
    # One good file and one bad in the same batch: neither is applied.
    writer.changes([("D", customer(1))])
    bad = writer.changes([("I", customer(2))])
    rewrite_commit_time(bad, columns.timestamp, "2026-05-01T12:01:00Z")
    name = os.path.basename(bad)
    for _ in range(2):  # and the next run meets the same files again: none was marked done
        with pytest.raises(cdc.BadCommitTime) as refused:
            run(spark, lake, table, columns)
        message = str(refused.value)
        for part in (table.name, name, "'2026-05-01T12:01:00Z'", columns.timestamp, cdc.COMMIT_TIME_FORMAT):
            assert part in message, f"{part!r} not in {message!r}"
        assert {p: version(spark, silver + p) for p in paths} == versions
        assert current(spark, lake, table) == {1: "Customer 1"}
    # Once the file is right, the batch applies whole.
    rewrite_commit_time(bad, columns.timestamp, "2026-05-01 12:01:00.000000")
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {2: "Customer 2"}


def test_a_delete_carries_only_its_key(spark, lake, customers, columns):
    """Under PostgreSQL's default replica identity a delete logs the key only: DMS's row has the
    other columns null. The current row goes; the history keeps the delete as DMS wrote it."""
    writer, table = customers
    writer.full_load([customer(1), customer(2)])
    writer.changes([("D", customer(1))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {2: "Customer 2"}
    history = spark.read.format("delta").load((lake[1] + table.history).rstrip("/"))
    (delete,) = history.where(f"{columns.op} = 'D'").collect()
    assert delete.customer_id == 1
    assert (delete.email, delete.full_name, delete.country, delete.created_at) == (None, None, None, None)
    assert delete[columns.timestamp] is not None and delete[columns.sequence] is not None


def test_a_replayed_delete_older_than_a_reinsert_changes_no_row(spark, lake, customers, columns):
    """A delete file DMS writes again after the key was re-inserted puts the delete's marker
    back, but the re-inserted row outranks it: silver keeps the row, and the key's next change
    clears the marker again (docs/jobs.md, the merge's step 6)."""
    writer, table = customers
    writer.full_load([customer(1)])
    deleted = writer.changes([("D", customer(1))])
    run(spark, lake, table, columns)
    writer.changes([("I", customer(1, "back"))])
    run(spark, lake, table, columns)
    tombstones = (lake[1] + table.state + cdc.TOMBSTONES).rstrip("/")
    assert spark.read.format("delta").load(tombstones).count() == 0
    shutil.copy(deleted, os.path.join(writer.folder, "29990101-000000000.parquet"))
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "back"}
    assert spark.read.format("delta").load(tombstones).count() == 1, "the replay's marker is back"
    writer.changes([("U", customer(1, "renamed"))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table) == {1: "renamed"}
    assert spark.read.format("delta").load(tombstones).count() == 0, "a newer change clears it"


def test_a_refused_table_fails_the_run_after_every_other_table_is_written(spark, lake, variables, rds_tables, columns):
    """One replicated table refused (a column config does not declare, a commit time that does not
    parse) must not cost the other tables their silver: the run writes every other table, then
    fails with one error naming each refused table and why, so Airflow still alerts."""
    bronze, silver = lake
    customers, orders, items = (rds_tables[n] for n in ("public.customers", "public.orders", "public.order_items"))
    dms.writer(bronze, customers, columns, extra=[("loyalty_tier", pa.string())]).full_load(
        [customer(1, loyalty_tier="gold")]
    )
    dms.writer(bronze, orders, columns).full_load([order_row(1, "new", T0)])
    item = {"order_id": 1, "line_number": 1, "sku": "A-1", "quantity": 1, "unit_price": decimal.Decimal("10.00")}
    bad = dms.writer(bronze, items, columns).full_load([item])
    rewrite_commit_time(bad, columns.timestamp, "yesterday")
    # The refused tables come first and last: neither stops the one between.
    replicated = variables["rds_tables"]
    argv = ["--local", "--bronze", bronze, "--silver", silver, "--tables", replicated]
    argv += ["--op-column", columns.op, "--timestamp-column", columns.timestamp, "--sequence-column", columns.sequence]
    argv += ["--retention-days", "7", "--silver-tables", variables["silver_tables"]]
    assert [e["name"] for e in json.loads(replicated)] == ["public.customers", "public.orders", "public.order_items"]
    with pytest.raises(entrypoints.TablesFailed) as failed:
        entrypoints.cdc_to_silver(argv)
    message = str(failed.value)
    assert "2 of 3 replicated table(s)" in message, message
    assert "public.customers: Refused: silver table public_customers_history" in message, message
    assert "loyalty_tier" in message
    assert "public.order_items: BadCommitTime: public.order_items: bronze file" in message, message
    assert "'yesterday'" in message
    assert "public.orders:" not in message
    written = spark.read.format("delta").load((silver + orders.current).rstrip("/")).collect()
    assert [(r.order_id, r.status) for r in written] == [(1, "new")], "the table between the refused ones is written"
    assert watermarks(spark, lake, orders) == [("public.orders", "updated_at", T0)]
    for refused in (customers, items):
        assert tables.existing(spark, silver + refused.history) is None, f"{refused.name}: nothing written"
