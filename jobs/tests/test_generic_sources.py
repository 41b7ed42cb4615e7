"""A team's own sources reach silver: a replicated table with a composite key, a stream and an
API source, declared here as config would declare them (bundle variables from fixtures.bundle,
none of the sample's), their bronze written by the generic samples `make pipeline` writes for
every declared source it has no scenario for (fixtures/samples.py), and run through
pipeline.run --only, the same code, with the suite's Spark session. Then silver holds each
case: the table's inserts, updates and deletes, its replayed file once; the stream's events
once each, its late event in the late table, its malformed record quarantined; the API
source's re-ingested day as re-ingested, its malformed record quarantined once.

The columns each silver table then has are the source's own or reserved_columns' (the bundle
variable config exports): a job that adds any other column to a source's silver table fails
here (test_every_column_a_job_adds_is_reserved)."""

import json
import os

import pytest
from delta.tables import DeltaTable

from dataplatform_jobs import records, speed
from dataplatform_jobs import tables as silver_tables
from fixtures import bundle, rows, samples
from pipeline.__main__ import run as pipeline_run

# A table as the generated tables file would list it (pg_dump's spellings), with a composite key.
WIDGETS = {
    "schema": "shop",
    "table": "widgets",
    "key": ["shop_code", "widget_id"],
    "columns": [
        {"name": "shop_code", "sourceType": "character varying(12)", "type": "string"},
        {"name": "widget_id", "sourceType": "bigint", "type": "bigint"},
        {"name": "label", "sourceType": "text", "type": "string"},
        {"name": "price", "sourceType": "numeric(10,3)", "type": "decimal(10,3)"},
        {"name": "weight", "sourceType": "double precision", "type": "double"},
        {"name": "stocked_on", "sourceType": "date", "type": "date"},
        {"name": "changed_at", "sourceType": "timestamp with time zone", "type": "timestamp"},
    ],
}
CLICKS = [
    ("click_id", "string"),
    ("user_id", "bigint"),
    ("position", "int"),
    ("score", "float"),
    ("premium", "boolean"),
    ("seen_on", "date"),
    ("clicked_at", "timestamp"),
]
READINGS = [
    ("station", "string"),
    ("reading", "decimal(6,2)"),
    ("observed_at", "timestamp"),
    ("tags", "map<string,string>"),
]


@pytest.fixture(scope="module")
def own(variables):
    """The bundle's variables with the test's three sources as the only declared ones."""
    table = bundle.rds_table("shop.widgets", WIDGETS["key"])
    clicks = bundle.stream(variables, "clicks", CLICKS, "click_id", "clicked_at")
    weather = bundle.api_source("weather", ["station", variables["api_day_column"]], READINGS)
    declared = bundle.with_sources(
        variables,
        tables=[(table, [(c["name"], c["type"]) for c in WIDGETS["columns"]])],
        streams=[clicks],
        api_sources=[weather],
    )
    return {"variables": declared, "table": table, "stream": clicks, "api": weather}


@pytest.fixture(scope="module")
def flowed(spark, tmp_path_factory, own):
    """The pipeline run for the test's sources: (silver root, sample.json's content)."""
    root = str(tmp_path_factory.mktemp("pipeline"))
    only = {"shop.widgets", "clicks", "weather"}
    _, sample = pipeline_run(root, own["variables"], only, declared={"shop.widgets": WIDGETS}, spark=spark)
    yield os.path.join(root, "silver") + "/", sample
    silver_tables.declare(None, [])


def read(spark, silver, prefix):
    return spark.read.format("delta").load((silver + prefix).rstrip("/"))


def test_the_table_holds_its_inserts_updates_and_deletes_and_its_replay_once(spark, flowed, own):
    silver, _ = flowed
    table, at = own["table"], None  # keys of strings and numbers do not depend on the time
    current = {(r["shop_code"], r["widget_id"]): r for r in read(spark, silver, table.current).collect()}
    s = samples.TableSample
    kept = [n for n in range(s.LOADED + s.INSERTED) if not s.UPDATED <= n < s.UPDATED + s.DELETED]
    key = lambda n: (rows.value("string", "shop_code", n, at), rows.value("bigint", "widget_id", n, at))  # noqa: E731
    assert sorted(current) == sorted(key(n) for n in kept)
    for n in kept:
        label = current[key(n)]["label"]
        assert label == rows.value("string", "label", n, at, 1 if n < s.UPDATED else 0), (n, label)
    history = read(spark, silver, table.history)
    ops = {r["Op"]: r["count"] for r in history.groupBy("Op").count().collect()}
    # The full load's rows and the inserts are I; the replayed file adds nothing.
    assert ops == {"I": s.LOADED + s.INSERTED, "U": s.UPDATED, "D": s.DELETED}


def test_the_stream_keeps_each_event_once_and_sets_apart_the_late_and_malformed(spark, flowed, own):
    silver, _ = flowed
    stream = own["stream"]
    ids = sorted(r[0] for r in read(spark, silver, stream.events).select(stream.event_id).collect())
    assert ids == sorted(rows.value("string", stream.event_id, n, None) for n in range(samples.StreamSample.EVENTS))
    late = [r[0] for r in read(spark, silver, stream.late).select(stream.event_id).collect()]
    assert late == [rows.value("string", stream.event_id, samples.StreamSample.EVENTS, None)]
    quarantined = [
        tuple(r) for r in read(spark, silver, stream.quarantine).select(speed.RECORD, speed.REASON).collect()
    ]
    assert quarantined == [(samples.MALFORMED, "not a JSON object")]


def test_the_api_source_holds_its_re_ingested_day_and_its_malformed_record_once(spark, flowed, own, variables):
    silver, _ = flowed
    source, day = own["api"], variables["api_day_column"]
    current = read(spark, silver, source.current).collect()
    per_day = samples.ApiSample.PER_DAY
    assert len(current) == 2 * per_day
    stations = {r["station"]: r for r in current}
    for n in range(2 * per_day):
        # The second day's records are as re-ingested (version 1), the first day's as first written.
        version = 1 if n >= per_day else 0
        assert str(stations[f"seed-station-{n}"]["tags"]["version"]) == str(version), n
    days = sorted({r[day] for r in current})
    quarantined = read(spark, silver, source.quarantine).collect()
    assert [(r[records.RECORD], r[records.REASON], r[day]) for r in quarantined] == [
        (samples.MALFORMED, "not a JSON object", days[-1])
    ]


def test_sample_json_says_what_silver_holds_of_each_source(spark, flowed, own):
    silver, sample = flowed
    declared = {t["prefix"]: t["name"] for t in json.loads(own["variables"]["silver_tables"])}
    held = {
        source: {declared[p]: read(spark, silver, p).count() for p in prefixes}
        for source, prefixes in (
            ("shop.widgets", (own["table"].current, own["table"].history)),
            ("clicks", (own["stream"].events, own["stream"].late, own["stream"].quarantine)),
            ("weather", (own["api"].current, own["api"].quarantine)),
        )
    }
    assert sample["generic"] == held


def unreserved(schemas, own_columns, reserved):
    """[table.column] of schemas ({prefix: [column]}) that are neither the source's own
    (own_columns: {prefix: [column]}) nor reserved: names compared without case."""
    return sorted(
        f"{prefix}{c}"
        for prefix, columns in schemas.items()
        for c in columns
        if c.lower() not in {o.lower() for o in own_columns[prefix]} | reserved
    )


def written_tables(spark, silver):
    """{prefix: [column]} of every Delta table under silver but the jobs' state."""
    out = {}
    for folder, subfolders, _ in os.walk(silver):
        if "_delta_log" in subfolders:
            prefix = os.path.relpath(folder, silver) + "/"
            if not prefix.startswith(silver_tables.STATE_ROOT):
                out[prefix] = DeltaTable.forPath(spark, folder).toDF().columns
            subfolders.clear()
    return out


def test_every_column_a_job_adds_is_reserved(spark, flowed, own, variables):
    silver, _ = flowed
    table, stream, source = own["table"], own["stream"], own["api"]
    widgets = [c["name"] for c in WIDGETS["columns"]]
    own_columns = {
        table.current: widgets,
        table.history: widgets,
        stream.events: [n for n, _ in stream.columns],
        stream.late: [n for n, _ in stream.columns],
        stream.quarantine: [],
        source.current: [n for n, _ in source.columns],
        source.quarantine: [],
    }
    schemas = written_tables(spark, silver)
    assert set(schemas) == set(own_columns), "the run wrote other tables than its sources'"
    reserved = bundle.reserved_columns(variables)
    offenders = unreserved(schemas, own_columns, reserved)
    assert offenders == [], f"columns a job adds to a source's silver table that reserved_columns lacks: {offenders}"
    # The check sees each added column: without any one of them on the list, it names that one.
    added = {c.lower() for p, cs in schemas.items() for c in cs} - {
        c.lower() for cs in own_columns.values() for c in cs
    }
    assert added, "the jobs added no column: nothing was checked"
    for name in sorted(added):
        found = {x.rsplit("/", 1)[1].lower() for x in unreserved(schemas, own_columns, reserved - {name})}
        assert found == {name}, f"without {name} on the list the check finds {found}"


def test_only_names_declared_sources(variables):
    from pipeline.__main__ import Sources

    with pytest.raises(
        SystemExit, match=r"--only clicks,public.orders: clicks declared nowhere; the staging target declares"
    ):
        Sources(variables, {"clicks", "public.orders"})
    assert set(Sources(variables, {"public.orders"}).tables) == {"public.orders"}
