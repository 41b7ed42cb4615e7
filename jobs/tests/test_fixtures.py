"""The fixtures package against what config generates: where fixtures/bundle.py puts a source a
test makes up (its prefixes, its silver tables and their columns) must be where config puts
every source it declares, so a test's own sources stand for a team's; and the row builders
(fixtures/rows.py) give every declared type a value of that type, keys apart from the
hand-written sample's."""

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pyspark.sql import types as T

from dataplatform_jobs import records, settings
from fixtures import bundle, dms, rows

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def declared_sources(variables):
    """The staging target's sources as fixtures.bundle takes them."""
    declared = dms.declarations()
    tables = [(t, dms.hive_columns(declared[t.name])) for t in settings.rds_tables(variables["rds_tables"])]
    return tables, settings.streams(variables["streams"]), settings.api_sources(variables["api_sources"])


def test_a_made_up_source_goes_where_config_puts_a_declared_one(variables):
    """fixtures.bundle rebuilds the staging target's own sources: the same prefixes and settings,
    and the same silver tables, columns and partitions, as config generated."""
    tables, streams, api_sources = declared_sources(variables)
    assert tables or streams or api_sources, "the target declares no source: nothing to compare with"
    for table, _ in tables:
        assert bundle.rds_table(table.name, table.key) == dataclasses.replace(table, change_key="", watermarks="")
    for source in api_sources:
        assert bundle.api_source(source.name, source.key, source.columns) == source
    for s in streams:
        capacity = {k: getattr(s, k) for k in bundle.STREAM_DEFAULTS}
        assert bundle.stream(variables, s.name, s.columns, s.event_id, s.event_time, s.format, **capacity) == s
    rebuilt = bundle.with_sources(variables, tables, streams, api_sources)
    for name, parse in (
        ("rds_tables", settings.rds_tables),
        ("streams", settings.streams),
        ("api_sources", settings.api_sources),
    ):
        assert parse(rebuilt[name]) == parse(variables[name]), name
    by_name = lambda text: {t.name: t for t in settings.declared_tables(text)}  # noqa: E731
    assert by_name(rebuilt["silver_tables"]) == by_name(variables["silver_tables"])


def test_what_config_adds_to_a_source_is_reserved(variables):
    """Every column config declares in a source's silver tables is the source's own or one of
    reserved_columns (case aside, as Spark and Glue compare names): the jobs add no other."""
    reserved = bundle.reserved_columns(variables)
    tables, streams, api_sources = declared_sources(variables)
    own = {}
    for table, columns in tables:
        own[table.current] = own[table.history] = columns
    for s in streams:
        own[s.events] = own[s.late] = s.columns
        own[s.quarantine] = ()
    for s in api_sources:
        own[s.current], own[s.quarantine] = s.columns, ()
    added = {
        f"{t.name}.{n}"
        for t in settings.declared_tables(variables["silver_tables"])
        if t.prefix in own
        for n, _ in t.columns + t.partition_keys
        if n.lower() not in {c.lower() for c, _ in own[t.prefix]} | reserved
    }
    assert not added, f"columns the jobs add that reserved_columns does not list: {sorted(added)}"


def test_no_source_of_a_kind_is_a_valid_setting():
    """A platform whose sources are all streams, or that declares no API source, runs the batch
    job: its tables and sources are empty lists, not an error."""
    assert settings.rds_tables("[]") == [] and settings.api_sources("[]") == []
    with pytest.raises(settings.InvalidSettings, match="--tables: must be a JSON array"):
        settings.rds_tables("{}")


TYPES = ["string", "boolean", "int", "bigint", "float", "double", "date", "timestamp", "decimal(12,2)"]
TYPES += ["decimal(38,10)", "decimal(4,4)", "decimal(5,0)", "map<string,string>"]


@pytest.mark.parametrize("kind", TYPES)
def test_every_declared_type_has_a_value_spark_takes_as_that_type(spark, kind):
    columns = [("k", kind)]
    values = [rows.row(columns, n, AT)["k"] for n in range(3)] + [rows.row(columns, 0, AT, version=1)["k"]]
    frame = spark.createDataFrame([(v,) for v in values], records.schema(columns))
    assert frame.schema["k"].dataType == records.spark_type(kind)
    got = [r["k"] for r in frame.collect()]
    if kind.startswith("decimal"):
        assert all(isinstance(v, Decimal) for v in got) and got == values  # nothing rounded away
    if not isinstance(frame.schema["k"].dataType, (T.BooleanType, T.MapType)):
        assert len(set(got[:3])) == 3, f"{kind}: rows 0..2 share a key value: {got}"
    assert got[3] != got[0] or kind == "decimal(4,4)", f"{kind}: an update (version 1) changes nothing"


def test_a_row_is_the_same_every_time_and_its_key_survives_an_update():
    columns = [("id", "bigint"), ("code", "string"), ("at", "timestamp"), ("amount", "decimal(10,2)")]
    assert rows.row(columns, 7, AT, ("id", "code")) == rows.row(columns, 7, AT, ("id", "code"))
    updated = rows.row(columns, 7, AT, ("id", "code"), version=1)
    first = rows.row(columns, 7, AT, ("id", "code"))
    assert {k: updated[k] for k in ("id", "code")} == {k: first[k] for k in ("id", "code")}
    assert updated["at"] != first["at"] and updated["amount"] != first["amount"]


def test_keys_lie_apart_from_the_hand_written_samples():
    """The scenario's numeric keys (orders, customers, trades) are below KEY_BASE, its text keys
    never start with the seed's prefix."""
    assert rows.value("bigint", "id", 0, AT) >= rows.KEY_BASE > 10_000
    assert rows.value("string", "currency", 0, AT).startswith(rows.SEED + "-")


def test_an_api_record_is_json_as_an_api_answers():
    columns = [("price", "decimal(12,2)"), ("time", "timestamp"), ("day", "date"), ("tags", "map<string,string>")]
    record = rows.as_api_json(rows.row(columns, 1, AT))
    assert json.loads(json.dumps(record)) == record
    assert record["time"].endswith("Z") and isinstance(record["price"], str) and record["day"] == "2026-04-30"
