"""Reconciliation, maintenance and erasure, and silver read by a second engine."""

from datetime import UTC, datetime, timedelta

import deltalake
import pytest

from dataplatform_jobs import cdc, maintenance, reconcile, tables
from tests import dms
from tests.test_cdc import customer


@pytest.fixture
def loaded(spark, lake, rds_tables, columns):
    """customers with a full load, an update, a delete and an insert, merged into silver."""
    bronze, silver = lake
    table = rds_tables["public.customers"]
    writer = dms.writer(bronze, table, columns)
    writer.full_load([customer(1), customer(2), customer(3)])
    writer.changes([("U", customer(1, "renamed")), ("D", customer(2)), ("I", customer(4))])
    cdc.run(spark, bronze, silver, table, columns)
    return table, writer


def test_a_run_reconciles(spark, lake, loaded, columns):
    table, _ = loaded
    report = reconcile.check(spark, *lake, [table], columns)
    assert report[table.name] == {"bronze_current": 3, "silver_current": 3, "bronze_history": 6, "silver_history": 6}


def test_counts_that_do_not_reconcile_fail_the_run(spark, lake, loaded, columns):
    table, _ = loaded
    # A row lost between bronze and silver (a bad merge, a hand edit).
    spark.sql(f"DELETE FROM delta.`{(lake[1] + table.current).rstrip('/')}` WHERE customer_id = 4")
    with pytest.raises(
        reconcile.Unreconciled,
        match=r"public.customers: bronze implies 3 current rows and 6 changes, silver holds 2 and 6",
    ):
        reconcile.check(spark, *lake, [table], columns)


def test_silver_is_read_whole_by_a_second_engine(spark, lake, loaded):
    table, _ = loaded
    path = (lake[1] + table.current).rstrip("/")
    spark_rows = sorted((r.customer_id, r.full_name) for r in spark.read.format("delta").load(path).collect())
    other = deltalake.DeltaTable(path)
    arrow = other.to_pyarrow_table(columns=["customer_id", "full_name"])
    assert sorted(zip(arrow["customer_id"].to_pylist(), arrow["full_name"].to_pylist(), strict=True)) == spark_rows
    protocol = other.protocol()
    assert (protocol.min_reader_version, protocol.min_writer_version) == (tables.READER_VERSION, tables.WRITER_VERSION)
    assert not protocol.reader_features and not protocol.writer_features
    assert other.metadata().configuration["delta.enableDeletionVectors"] == "false"


def test_maintenance_compacts_and_keeps_the_retention(spark, lake, loaded):
    table, writer = loaded
    for i in range(3):
        writer.changes([("U", customer(1, f"rename {i}"))])
        cdc.run(spark, *lake, table, cdc_columns(writer))
    done = maintenance.maintain(spark, lake[1], [table.current, table.history, "rds/public/nothing_here/"], 7)
    assert done == [table.current, table.history]
    path = (lake[1] + table.history).rstrip("/")  # an insert per run: small files to compact
    operations = [r.operation for r in spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()]
    assert "OPTIMIZE" in operations and "VACUUM END" in operations
    # Every version within the retention can still be read.
    assert spark.read.format("delta").option("versionAsOf", 1).load(path).count() > 0


def cdc_columns(writer):
    return writer.names


def test_erasing_a_key_removes_it_everywhere_and_keeps_it_gone(spark, lake, loaded, columns):
    table, writer = loaded
    bronze, silver = lake
    before = writer.tick(-7200)  # a change committed before the erasure, arriving late
    erased = maintenance.erase(spark, silver, table, {"customer_id": 1}, datetime.now(UTC))
    assert erased == {table.current: 1, table.history: 2, table.state + "tombstones/": 0}
    writer.changes([("U", customer(1, "late"), before)])
    cdc.run(spark, bronze, silver, table, columns)
    for prefix in (table.current, table.history):
        rows = spark.read.format("delta").load((silver + prefix).rstrip("/")).where("customer_id = 1")
        assert rows.count() == 0, f"{prefix}: a change from before the erasure does not bring the key back"
    # Bronze still holds the key: reconciliation leaves erased changes out.
    assert reconcile.check(spark, bronze, silver, [table], columns)[table.name]["silver_current"] == 2
    # A re-insert after the erasure is a new customer.
    writer.changes([("I", customer(1, "new"))], at=datetime.now(UTC) + timedelta(hours=1))
    cdc.run(spark, bronze, silver, table, columns)
    current = spark.read.format("delta").load((silver + table.current).rstrip("/"))
    assert [r.full_name for r in current.where("customer_id = 1").collect()] == ["new"]
    with pytest.raises(ValueError, match=r"a key is \['customer_id'\]"):
        maintenance.erase(spark, silver, table, {"email": "x"}, datetime.now(UTC))


def test_erasing_before_the_first_run_keeps_the_key_out(spark, lake, rds_tables, columns):
    bronze, silver = lake
    table = rds_tables["public.customers"]
    writer = dms.writer(bronze, table, columns)
    writer.full_load([customer(1), customer(2)])
    maintenance.erase(spark, silver, table, {"customer_id": 1}, datetime.now(UTC))
    cdc.run(spark, bronze, silver, table, columns)
    current = spark.read.format("delta").load((silver + table.current).rstrip("/"))
    assert sorted(r.customer_id for r in current.collect()) == [2]


def test_a_file_written_after_the_run_is_not_silvers_yet(spark, lake, loaded, columns):
    table, writer = loaded
    writer.changes([("I", customer(9))])  # DMS writes on while the job runs
    report = reconcile.check(spark, *lake, [table], columns)
    assert report[table.name]["bronze_current"] == report[table.name]["silver_current"] == 3


def test_retention_follows_config(spark, lake, loaded, columns):
    table, writer = loaded
    writer.changes([("U", customer(3, "again"))])
    cdc.run(spark, *lake, table, columns, retention_days=30)
    path = (lake[1] + table.current).rstrip("/")
    properties = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0].properties
    assert properties["delta.deletedFileRetentionDuration"] == "interval 30 days"
    assert properties["delta.logRetentionDuration"] == "interval 30 days"
