"""Silver's tables as config declares them (the bundle's silver_tables, which the Catalog
stack gives Glue too): the batch job's first task creates every missing one empty, and a write
with a column the declaration lacks is refused before anything is written."""

import json
from datetime import datetime

import pyarrow as pa
import pytest
from delta.tables import DeltaTable
from pyspark.sql import types as T

from dataplatform_jobs import cdc, entrypoints, settings, tables
from fixtures import dms
from tests.conftest import declare_with
from tests.test_cdc import customer


def schema_of(spark, path):
    """(columns, partition columns) of the Delta table at path, as (name, Spark's type) pairs."""
    table = DeltaTable.forPath(spark, path.rstrip("/"))
    partitions = table.detail().first().partitionColumns
    fields = [(f.name, tables.hive(f.dataType)) for f in table.toDF().schema.fields]
    kinds = dict(fields)
    return tuple(f for f in fields if f[0] not in partitions), tuple((p, kinds[p]) for p in partitions)


def version(spark, path):
    return DeltaTable.forPath(spark, path.rstrip("/")).history(1).first().version


def test_the_first_task_creates_every_missing_table_empty_and_leaves_the_rest(
    spark, lake, variables, rds_tables, columns
):
    bronze, silver = lake
    declared = {t.name: t for t in settings.declared_tables(variables["silver_tables"])}
    # A partitioned table, an unpartitioned one, a written one, and the created-tables table:
    # creating each of the declared tables costs a Spark job, so the first run's whole set is
    # the pipeline's test.
    created = declared["batch_tables_created"]
    assert created.prefix == variables["tables_created"]
    some = [declared["kinesis_web_events"], declared["batch_watermarks"], declared["public_customers"], created]
    assert some[0].partition_keys and not some[1].partition_keys
    # The CDC merge writes the history too: declared for it (an undeclared table is refused).
    tables.declare(silver, [*some, declared["public_customers_history"]])
    table = rds_tables["public.customers"]
    dms.writer(bronze, table, columns).full_load([customer(1)])
    cdc.run(spark, bronze, silver, table, columns)
    written = version(spark, silver + table.current)

    before = datetime.now()
    entrypoints.create_tables(
        ["--local", "--silver", silver, "--tables", settings_json(some), "--created", created.prefix]
        + ["--retention-days", "7"]
    )
    for t in some:
        assert schema_of(spark, silver + t.prefix) == (t.columns, t.partition_keys), t.name
    assert spark.read.format("delta").load(silver + "kinesis/web-events").count() == 0
    assert spark.read.format("delta").load((silver + table.current).rstrip("/")).count() == 1
    assert version(spark, silver + table.current) == written, "an existing table is left as it is"
    # Each table it created, itself included, with when: dbt's freshness of an empty table.
    recorded = {r.table_name: r.created_at for r in spark.read.format("delta").load(silver + created.prefix).collect()}
    assert set(recorded) == {"kinesis_web_events", "batch_watermarks", "batch_tables_created"}
    assert all(before <= at <= datetime.now() for at in recorded.values()), recorded
    versions = {t.name: version(spark, silver + t.prefix) for t in some}
    assert tables.create(spark, 7, silver + created.prefix) == [], "a second run creates nothing"
    assert {t.name: version(spark, silver + t.prefix) for t in some} == versions, "and records nothing"


def test_the_first_task_refuses_a_created_tables_prefix_no_table_has(lake, variables, capsys):
    silver = lake[1]
    with pytest.raises(SystemExit) as stopped:
        entrypoints.create_tables(
            ["--local", "--silver", silver, "--tables", variables["silver_tables"], "--created", "nowhere/"]
        )
    assert stopped.value.code == 2
    assert "create_tables: --created 'nowhere/' is the prefix of no table of --tables" in capsys.readouterr().err


def settings_json(declared):
    return json.dumps(
        [
            {
                "name": t.name,
                "prefix": t.prefix,
                "columns": [{"name": n, "type": k} for n, k in t.columns],
                "partition_keys": [{"name": n, "type": k} for n, k in t.partition_keys],
            }
            for t in declared
        ]
    )


def test_a_column_config_does_not_declare_stops_the_run_until_it_is_declared(
    spark, lake, variables, rds_tables, columns
):
    """DMS writes a new source column before config declares it: the run fails, naming the
    table, the column and the declared columns, and writes nothing; once declared (config, then
    a deploy), the next run brings the column, where the declaration puts it."""
    bronze, silver = lake
    table = rds_tables["public.customers"]
    dms.writer(bronze, table, columns).full_load([customer(1)])
    cdc.run(spark, bronze, silver, table, columns)
    before = {p: version(spark, silver + p) for p in (table.current, table.history)}

    wider = dms.writer(bronze, table, columns, extra=[("loyalty_tier", pa.string())])
    wider.clock = dms.writer(bronze, table, columns).tick(3600)
    wider.changes([("U", customer(1, loyalty_tier="gold")), ("I", customer(2, loyalty_tier=None))])
    with pytest.raises(tables.Refused) as refused:
        cdc.run(spark, bronze, silver, table, columns)
    message = str(refused.value)
    assert "silver table public_customers_history (rds/public/customers_history/)" in message
    assert "has column loyalty_tier (string), which config does not declare" in message
    assert (
        "declared: customer_id bigint, email string, full_name string, country string, created_at timestamp" in message
    )
    assert {p: version(spark, silver + p) for p in before} == before, "nothing was written"

    tier = (("loyalty_tier", "string"), "created_at")
    declare_with(silver, variables, (table.current, table.history), tier)
    cdc.run(spark, bronze, silver, table, columns)
    rows = spark.read.format("delta").load((silver + table.current).rstrip("/")).collect()
    assert {r.customer_id: r.loyalty_tier for r in rows} == {1: "gold", 2: None}
    names = [n for n, _ in schema_of(spark, silver + table.current)[0]]
    assert names[names.index("created_at") + 1] == "loyalty_tier", "where the declaration (and Glue) has it"

    # Config may declare a column before DMS sends it: it is null until then.
    declare_with(silver, variables, (table.current, table.history), tier, (("segment", "string"), "full_name"))
    wider.changes([("U", customer(2, "renamed", loyalty_tier="silver"))])
    cdc.run(spark, bronze, silver, table, columns)
    rows = spark.read.format("delta").load((silver + table.current).rstrip("/")).collect()
    assert {r.customer_id: (r.full_name, r.segment) for r in rows} == {1: ("Customer 1", None), 2: ("renamed", None)}


def test_a_declaration_names_the_field_it_lacks():
    with pytest.raises(settings.InvalidSettings, match=r"--silver-tables\[0\] \(t\): columns must be a non-empty list"):
        settings.declared_tables('[{"name": "t", "prefix": "t/", "columns": [], "partition_keys": []}]')
    with pytest.raises(settings.InvalidSettings, match=r"missing partition_keys"):
        settings.declared_tables('[{"name": "t", "prefix": "t/", "columns": [{"name": "a", "type": "int"}]}]')


def test_diverging_declarations_of_one_write_refuse_it_before_any_table_is_written(
    spark, lake, variables, rds_tables, columns
):
    """The history declares a column the current table does not (config's two declarations
    diverge): the merge writes neither, rather than the history alone."""
    bronze, silver = lake
    table = rds_tables["public.customers"]
    dms.writer(bronze, table, columns).full_load([customer(1)])
    cdc.run(spark, bronze, silver, table, columns)
    paths = (table.current, table.history, table.state + cdc.TOMBSTONES)
    before = {p: version(spark, silver + p) for p in paths}

    declare_with(silver, variables, (table.history,), (("loyalty_tier", "string"), "created_at"))
    wider = dms.writer(bronze, table, columns, extra=[("loyalty_tier", pa.string())])
    wider.clock = dms.writer(bronze, table, columns).tick(3600)
    wider.changes([("U", customer(1, "renamed", loyalty_tier="gold"))])
    with pytest.raises(tables.Refused, match=r"silver table public_customers \(rds/public/customers/\): the write"):
        cdc.run(spark, bronze, silver, table, columns)
    assert {p: version(spark, silver + p) for p in paths} == before, "no table was written"


def test_a_table_config_does_not_declare_is_refused_anywhere_under_silver_but_the_state_prefix(spark, lake):
    """Only the jobs' own state (under the state prefix, which no Glue table points into) is made
    as its writer asks; any other undeclared path (a typo, a table config dropped) is refused
    before anything is written there."""
    bronze, silver = lake
    schema = T.StructType([T.StructField("a", T.LongType())])
    for prefix in ("rds/public/custmers/", "watermarks_old/", "", "rds/_state/x/"):
        with pytest.raises(
            tables.Refused, match=r"config declares no silver table at .*; declared: .*batch_watermarks"
        ):
            tables.ensure(spark, silver + prefix, schema, 7)
        assert tables.existing(spark, silver + prefix) is None, prefix
    beside = silver.rstrip("/") + "_elsewhere/t/"  # a sibling of silver is not under it
    with pytest.raises(tables.Refused, match="not under silver"):
        tables.ensure(spark, beside, schema, 7)
    state = silver + tables.STATE_ROOT + "rds/public/customers/something/"
    assert tables.ensure(spark, state, schema, 7).toDF().columns == ["a"]


def test_a_table_another_writer_made_first_is_checked_as_any_found(spark, lake, rds_tables, monkeypatch):
    """A table made between ensure's look and its create (another job's first run) is not taken
    for the one ensure makes: it gets what any table found gets, the declared columns it lacks."""
    silver = lake[1]
    path = silver + rds_tables["public.customers"].current
    declared = tables.declared_schema(tables.declaration(path.rstrip("/")))
    first = T.StructType(declared.fields[:1])
    DeltaTable.create(spark).location(path.rstrip("/")).addColumns(first).execute()
    monkeypatch.setattr(tables, "existing", lambda spark, path: None)  # looked before it was made
    tables.ensure(spark, path, declared, 7)
    assert DeltaTable.forPath(spark, path.rstrip("/")).toDF().columns == declared.names


def test_a_table_made_without_deletion_vectors_gets_them_at_the_next_run(spark, lake, rds_tables):
    """A table made before silver had deletion vectors (a deployed one: reader 1, writer 2,
    vectors off) gets them from the next job that writes it (tables.ensure), protocol and all."""
    path = (lake[1] + rds_tables["public.customers"].current).rstrip("/")
    declared = tables.declared_schema(tables.declaration(path))
    made = DeltaTable.create(spark).location(path).addColumns(declared)
    for k, v in {
        "delta.minReaderVersion": "1",
        "delta.minWriterVersion": "2",
        "delta.enableDeletionVectors": "false",
    }.items():
        made = made.property(k, v)
    made.execute()
    tables.ensure(spark, path, declared, 7)
    detail = DeltaTable.forPath(spark, path).detail().first()
    assert (detail.minReaderVersion, detail.minWriterVersion) == (tables.READER_VERSION, tables.WRITER_VERSION)
    assert set(tables.FEATURES) <= set(detail.tableFeatures), detail.tableFeatures
    assert detail.properties["delta.enableDeletionVectors"] == "true"


def test_every_state_prefix_is_under_the_state_root_and_no_declared_table_is(variables):
    """The jobs' state prefixes come from config (the bundle's variables); tables.STATE_ROOT must
    hold them all, and no declared (Glue) table may sit under it."""
    state = [t.state for t in settings.rds_tables(variables["rds_tables"])]
    state += [s.state for s in settings.streams(variables["streams"])]
    assert len(state) >= 4
    assert [p for p in state if not p.startswith(tables.STATE_ROOT)] == []
    declared = [t.prefix for t in settings.declared_tables(variables["silver_tables"])]
    assert [p for p in declared if p.startswith(tables.STATE_ROOT)] == []


def test_nothing_declared_refuses_every_write(spark, tmp_path):
    tables.declare(None, [])
    schema = T.StructType([T.StructField("a", T.LongType())])
    with pytest.raises(tables.Refused, match="no silver declared"):
        tables.ensure(spark, str(tmp_path) + "/_state/x/", schema, 7)


@pytest.mark.parametrize(
    "entry_point, flag",
    [(entrypoints.create_tables, "--tables"), (entrypoints.cdc_to_silver, "--silver-tables")],
)
def test_a_bad_declaration_is_named_by_the_flag_it_came_in(capsys, tmp_path, variables, entry_point, flag):
    root = str(tmp_path) + "/"
    common = {"--silver": root, "--bronze": root, "--tables": variables["rds_tables"], "--retention-days": "7"}
    common |= {"--op-column": "Op", "--timestamp-column": "ts", "--sequence-column": "seq"}
    for bad, says in (
        ('[{"name": "t", "prefix": "t/", "columns": [], "partition_keys": []}]', "[0] (t): columns must be"),
        ("not json", ": not JSON"),
    ):
        given = common | {flag: bad}
        names = entrypoints.PARAMETERS[entry_point.__name__]
        argv = [part for name in names for part in (f"--{name}", given.get(f"--{name}", "unused/"))]
        with pytest.raises(SystemExit) as exited:
            entry_point(argv)
        err = capsys.readouterr().err
        assert exited.value.code == 2 and f"{flag}{says}" in err, err
