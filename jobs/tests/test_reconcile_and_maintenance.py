"""Reconciliation, maintenance and erasure, and silver read by a second engine."""

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

import deltalake
import pyarrow.dataset
import pytest
from delta.tables import DeltaTable

from dataplatform_jobs import cdc, maintenance, reconcile, settings, tables
from fixtures import bundle, dms, second_engine
from tests.test_cdc import customer


def load(spark, lake, table, columns):
    """customers with a full load, an update, a delete and an insert, merged into silver."""
    bronze, silver = lake
    writer = dms.writer(bronze, table, columns)
    writer.full_load([customer(1), customer(2), customer(3)])
    writer.changes([("U", customer(1, "renamed")), ("D", customer(2)), ("I", customer(4))])
    cdc.run(spark, bronze, silver, table, columns)
    return table, writer


@pytest.fixture
def loaded(spark, lake, rds_tables, columns):
    """load's lake, for a test that changes it."""
    return load(spark, lake, rds_tables["public.customers"], columns)


@pytest.fixture(scope="module")
def loaded_once(spark, module_lake, rds_tables, columns):
    """load's lake (module_lake), then a second run that renames customer 3: its MERGE updates
    one row of the current state's file of three (test_a_merge_marks_the_rows_it_replaces_...).
    Shared by the tests that only read it or add a bronze file the job has not read (which
    changes no count): two CDC runs, not two per test."""
    table, writer = load(spark, module_lake, rds_tables["public.customers"], columns)
    writer.changes([("U", customer(3, "renamed later"))])
    cdc.run(spark, *module_lake, table, columns)
    return table, writer


def test_a_run_reconciles(spark, module_lake, loaded_once, columns):
    table, _ = loaded_once
    report = reconcile.check(spark, *module_lake, [table], columns)
    assert report[table.name] == {"bronze_current": 3, "silver_current": 3, "bronze_history": 7, "silver_history": 7}


def test_counts_that_do_not_reconcile_fail_the_run(spark, lake, loaded, columns):
    table, _ = loaded
    # A row lost between bronze and silver (a bad merge, a hand edit).
    spark.sql(f"DELETE FROM delta.`{(lake[1] + table.current).rstrip('/')}` WHERE customer_id = 4")
    with pytest.raises(
        reconcile.Unreconciled,
        match=r"public.customers: bronze implies 3 current rows and 6 changes, silver holds 2 and 6",
    ):
        reconcile.check(spark, *lake, [table], columns)


def test_an_unpartitioned_history_is_refused_until_partitioned_once(spark, lake, variables, rds_tables, columns):
    """A history made before it was partitioned by the commit day: the CDC run refuses it,
    naming the one-time step, and writes nothing; partition_history rewrites it partitioned
    with every change and the table's properties; then the run goes on, and the step is a
    no-op the second time."""
    bronze, silver = lake
    declared = settings.declared_tables(variables["silver_tables"])
    table = rds_tables["public.customers"]
    before = [dataclasses.replace(t, partition_keys=()) if t.prefix == table.history else t for t in declared]
    tables.declare(silver, before)
    load(spark, lake, table, columns)
    path = (silver + table.history).rstrip("/")
    old = spark.read.format("delta").load(path)
    changes = Counter(tuple(r) for r in old.collect())

    tables.declare(silver, declared)
    writer = dms.writer(bronze, table, columns)
    writer.changes([("U", customer(3, "renamed"))], at=datetime(2026, 5, 3, 9, 0, tzinfo=UTC))
    with pytest.raises(
        tables.Refused, match=r"partitioned by \[\], config declares \['_commit_date'\].*partition_history"
    ):
        cdc.run(spark, bronze, silver, table, columns)
    assert spark.read.format("delta").load(path).count() == changes.total(), "nothing written"

    assert maintenance.partition_history(spark, silver, table, columns)
    history = tables.existing(spark, path)
    detail = history.detail().first()
    assert detail.partitionColumns == ["_commit_date"]
    assert detail.properties["delta.logRetentionDuration"] == "interval 7 days"
    moved = history.toDF()
    assert Counter(tuple(r) for r in moved.drop("_commit_date").collect()) == changes
    assert {str(r._commit_date) for r in moved.collect()} == {"2026-05-01"}

    cdc.run(spark, bronze, silver, table, columns)
    got = spark.read.format("delta").load(path).where("_commit_date = '2026-05-03'").collect()
    assert [(r.customer_id, r.full_name) for r in got] == [(3, "renamed")]
    assert not maintenance.partition_history(spark, silver, table, columns)


def test_a_merge_marks_the_rows_it_replaces_in_a_deletion_vector_instead_of_rewriting_their_file(
    spark, module_lake, loaded_once
):
    """Copy-on-write would rewrite the whole file of a row a change touches; with deletion
    vectors the MERGE marks the old row in a vector and writes only the new one."""
    table, _ = loaded_once
    path = (module_lake[1] + table.current).rstrip("/")
    merge = next(h for h in DeltaTable.forPath(spark, path).history(3).collect() if h.operation == "MERGE")
    before = spark.read.format("delta").option("versionAsOf", merge.version - 1).load(path)
    assert (len(before.inputFiles()), before.count()) == (1, 3), "the renamed row shared its file with two others"
    m = {k: int(v) for k, v in merge.operationMetrics.items()}
    assert m["numTargetRowsUpdated"] == 1
    assert m["numTargetDeletionVectorsAdded"] == 1 and m["numTargetRowsCopied"] == 0, m
    assert m["numTargetFilesRemoved"] == 0, m


def test_silver_is_read_whole_by_a_second_engine(spark, module_lake, loaded_once):
    """deltalake's scan, as the local warehouse reads silver, reads what Spark reads, after a
    MERGE that wrote a deletion vector: a reader that ignored it would read customer 3 twice, as
    it was and as renamed."""
    table, _ = loaded_once
    path = (module_lake[1] + table.current).rstrip("/")
    spark_rows = sorted((r.customer_id, r.full_name) for r in spark.read.format("delta").load(path).collect())
    assert second_engine.deletion_vectors(path) == 1, "a vector to read"
    arrow = second_engine.read(path, columns=["customer_id", "full_name"])
    assert sorted(zip(arrow["customer_id"].to_pylist(), arrow["full_name"].to_pylist(), strict=True)) == spark_rows
    other = deltalake.DeltaTable(path)
    protocol = other.protocol()
    assert (protocol.min_reader_version, protocol.min_writer_version) == (tables.READER_VERSION, tables.WRITER_VERSION)
    assert protocol.reader_features == protocol.writer_features == list(tables.FEATURES)
    assert other.metadata().configuration["delta.enableDeletionVectors"] == "true"


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
    for prefix in (table.current, table.history):
        # Not only unread: gone from every data file of the table (deletion vectors would leave
        # the rows in their files, marked), so the next VACUUM past the retention removes them.
        files = deltalake.DeltaTable((silver + prefix).rstrip("/")).file_uris()
        held = pyarrow.dataset.dataset(files, format="parquet").to_table(columns=["customer_id"])
        assert 1 not in held["customer_id"].to_pylist(), f"{prefix}: a data file still holds the erased key"
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


def erasure_named(key):
    """A made-up replicated table (its entry in the tables file) that declares a column under each
    name the stored erasures table has (cdc.ERASURE_SCHEMA), key its primary key: names a team may
    declare, as they start with a letter."""
    stored = [{"name": key, "sourceType": "bigint", "type": "bigint"}] + [
        {"name": n, "sourceType": "timestamp with time zone", "type": "timestamp"}
        for n in cdc.ERASURE_SCHEMA.names
        if n != key
    ]
    return {
        "schema": "shop",
        "table": "notes",
        "key": [key],
        "columns": [*stored, {"name": "note", "sourceType": "text", "type": "string"}],
    }


def test_a_table_that_declares_the_erasures_column_names_is_erased(spark, lake, variables, columns):
    """The erasures' columns never collide with a declared column, key or not (the table's key
    is named like the erasures' key, another column like their time): the erased key stays
    gone, the others are intact, reconciliation agrees and a re-insert comes back."""
    bronze, silver = lake
    key = cdc.ERASED_KEY
    entry = erasure_named(key)
    table = bundle.rds_table("shop.notes", entry["key"])
    declared = bundle.with_sources(variables, tables=[(table, dms.hive_columns(entry))])
    tables.declare(silver, settings.declared_tables(declared["silver_tables"]))
    writer = dms.writer(bronze, table, columns, entry)
    start = writer.clock
    others = [c["name"] for c in entry["columns"] if c["name"] not in (key, "note")]

    def note(n, text):
        return {key: n, **{c: start for c in others}, "note": text}

    def current():
        rows = spark.read.format("delta").load((silver + table.current).rstrip("/")).collect()
        return {r[key]: r["note"] for r in rows}

    writer.full_load([note(1, "one"), note(2, "two"), note(3, "three")], at=start)
    cdc.run(spark, bronze, silver, table, columns)
    maintenance.erase(spark, silver, table, {key: 2}, start + timedelta(hours=1))
    # Committed before the erasure, arriving after it: an erased key's late change, and another key's.
    late = start + timedelta(minutes=30)
    writer.changes([("U", note(2, "late"), late), ("U", note(1, "edited"), late)])
    cdc.run(spark, bronze, silver, table, columns)
    assert current() == {1: "edited", 3: "three"}
    history = spark.read.format("delta").load((silver + table.history).rstrip("/"))
    assert sorted(r[key] for r in history.collect()) == [1, 1, 3]
    report = reconcile.check(spark, bronze, silver, [table], columns)[table.name]
    assert report == {"bronze_current": 2, "silver_current": 2, "bronze_history": 3, "silver_history": 3}
    writer.changes([("I", note(2, "back"))], at=start + timedelta(hours=2))
    cdc.run(spark, bronze, silver, table, columns)
    assert current() == {1: "edited", 2: "back", 3: "three"}


def test_a_file_written_after_the_run_is_not_silvers_yet(spark, module_lake, loaded_once, columns):
    table, writer = loaded_once
    writer.changes([("I", customer(9))])  # DMS writes on while the job runs
    report = reconcile.check(spark, *module_lake, [table], columns)
    assert report[table.name]["bronze_current"] == report[table.name]["silver_current"] == 3


def test_retention_follows_config(spark, lake, loaded, columns):
    table, writer = loaded
    writer.changes([("U", customer(3, "again"))])
    cdc.run(spark, *lake, table, columns, retention_days=30)
    path = (lake[1] + table.current).rstrip("/")
    properties = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0].properties
    assert properties["delta.deletedFileRetentionDuration"] == "interval 30 days"
    assert properties["delta.logRetentionDuration"] == "interval 30 days"
