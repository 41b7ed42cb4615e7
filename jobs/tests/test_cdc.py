"""The CDC merge on local Spark with Delta, one test per case the merge must get right; each
fixture is written as DMS writes bronze (tests/dms.py)."""

import decimal
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from delta.tables import DeltaTable

from dataplatform_jobs import cdc
from tests import dms

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
    writer = dms.Table(bronze, table.bronze, dms.source_tables()["public.customers"], columns)
    return writer, table


def run(spark, lake, table, columns):
    bronze, silver = lake
    return cdc.run(spark, bronze, silver, table, columns)


def current(spark, lake, table, column="full_name"):
    path = lake[1] + table.current
    if not DeltaTable.isDeltaTable(spark, path):
        return {}
    rows = spark.read.format("delta").load(path).collect()
    keys = [r["customer_id"] for r in rows]
    assert len(keys) == len(set(keys)), f"one row per key in silver, got keys {sorted(keys)}"
    return {r["customer_id"]: r[column] for r in rows}


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


def test_a_new_nullable_source_column_is_added(spark, lake, rds_tables, columns):
    bronze, silver = lake
    table = rds_tables["public.customers"]
    base = dms.source_tables()["public.customers"]
    dms.Table(bronze, table.bronze, base, columns).full_load([customer(1)])
    run(spark, lake, table, columns)
    import pyarrow as pa

    wider = dms.Table(bronze, table.bronze, base, columns, extra=[("loyalty_tier", pa.string())])
    wider.clock = dms.Table(bronze, table.bronze, base, columns).tick(3600)
    wider.changes([("U", customer(1, loyalty_tier="gold")), ("I", customer(2, loyalty_tier=None))])
    run(spark, lake, table, columns)
    assert current(spark, lake, table, "loyalty_tier") == {1: "gold", 2: None}


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
    table without a change key records nothing."""
    table = rds_tables["public.orders"]
    assert (table.change_key, table.watermarks) == ("updated_at", "watermarks/")
    writer = dms.Table(lake[0], table.bronze, dms.source_tables()["public.orders"], columns)
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    writer.full_load([order_row(1, "new", T0), order_row(2, "new", t1)])
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t1)]
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t1)]
    writer.changes([("U", order_row(1, "paid", t2))])
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t2)]
    # A delete carries the row's last updated_at: its time is when DMS committed it.
    t3 = T0 + timedelta(hours=3)
    writer.changes([("D", order_row(2, "new", t1))], at=t3)
    run(spark, lake, table, columns)
    assert watermarks(spark, lake, table) == [("public.orders", "updated_at", t3)]
    assert rds_tables["public.customers"].change_key == ""
