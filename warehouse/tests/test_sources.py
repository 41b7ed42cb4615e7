"""dbt sees every source config declares (a replicated table, a stream, an API source), whatever it
declares: the bundle's variables (jobs/targets.yml, from config) list them, and
- the pipeline's dbt build tested each one's key on the silver table that holds its rows, and
  passed;
- the gold report lists each with its rows in silver, and names, without failing, the declared
  sources that no model reads (here over a made-up manifest and a tiny DuckDB)."""

import json
import os

import deltalake
import duckdb
import pyarrow as pa
import report
import yaml
from duckdb_plugins.silver_delta import read

from tests.conftest import REPO

with open(os.path.join(REPO, "jobs", "targets.yml")) as f:
    VARIABLES = yaml.safe_load(f)["targets"]["staging"]["variables"]


def declared():
    """{(kind, name): (folder of the silver table that holds its rows, its key)} of every source
    the bundle's variables declare."""
    out = {("table", t["name"]): (t["current"], t["key"]) for t in json.loads(VARIABLES["rds_tables"])}
    out.update({("stream", s["name"]): (s["events"], [s["event_id"]]) for s in json.loads(VARIABLES["streams"])})
    out.update({("api", s["name"]): (s["current"], s["key"]) for s in json.loads(VARIABLES["api_sources"])})
    return out


def folder(source):
    """A dbt source's folder under silver, with a / (as the bundle's variables name it)."""
    return source["meta"]["delta_table_path"].split("}}")[-1] + "/"


def key_tests(manifest, uid):
    """{unique_id: the columns it holds unique} of the uniqueness tests on source uid."""
    out = {}
    for test_id, node in manifest["nodes"].items():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or node["depends_on"]["nodes"] != [uid]:
            continue
        if meta.get("name") == "unique":
            out[test_id] = [meta["kwargs"]["column_name"].strip('"')]
        elif meta.get("name") == "unique_combination":
            out[test_id] = meta["kwargs"]["columns"]
    return out


def test_the_pipelines_build_tested_each_declared_sources_key(pipeline, manifest):
    with open(os.path.join(pipeline, "dbt-build.json")) as f:
        status = {r["unique_id"]: r["status"] for r in json.load(f)["results"]}
    sources = {folder(s): (uid, s) for uid, s in manifest["sources"].items()}
    for (kind, name), (prefix, key) in declared().items():
        uid, source = sources[prefix]
        assert source["meta"]["declared"] == {"kind": kind, "name": name, "table": source["name"]}, name
        tests = key_tests(manifest, uid)
        assert list(tests.values()) == [key], f"{kind} {name}: one uniqueness test, on its key {key}"
        assert {status.get(t) for t in tests} == {"pass"}, (
            f"{kind} {name}: its key's test ran in make pipeline and passed"
        )


def listed(lines):
    """{(kind, name): rows} of the report's lines on silver."""
    return {
        (kind, name): int(rows)
        for kind, name, _, rows, *_ in (line.split() for line in lines[1:] if line.startswith("  "))
    }


def test_the_report_lists_each_declared_sources_rows_in_silver(pipeline, capsys):
    report.main(["--root", pipeline])
    out = capsys.readouterr().out
    section = out.split("\n\n")
    (lines,) = [part.splitlines() for part in section if part.startswith("Silver, rows per declared source")]
    # Counted again from the Delta tables themselves (deltalake's scan, which applies their
    # deletion vectors), not through DuckDB.
    silver = os.path.join(pipeline, "silver")
    expected = {s: read(os.path.join(silver, prefix)).num_rows for s, (prefix, _) in declared().items()}
    assert listed(lines) == expected
    assert all(rows > 0 for rows in expected.values()), "make pipeline writes sample rows for every declared source"


def test_the_local_target_reads_silvers_deletion_vectors(pipeline, sample, gold):
    """The pipeline's second CDC run of orders (its day of changes after the full load) updated
    and deleted loaded rows, which its MERGE marked in a deletion vector. dbt's source, loaded by
    the project's plugin, and the plugin's read hold each order once, as it is now: a reader
    that ignored the vector would hold each paid order twice, as new and as paid, and the
    deleted one."""
    (orders,) = [t for t in json.loads(VARIABLES["rds_tables"]) if t["name"] == "public.orders"]
    path = os.path.join(pipeline, "silver", orders["current"])
    assert pa.table(deltalake.DeltaTable(path).deletion_vectors()).num_rows >= 1, "a vector to read"
    # The smoke run's shipped canary order is there too (its cancelled one is not): silver keeps
    # the marked data, which the staging models filter out.
    held = sample["orders"] - sample["deleted"] + 1
    want = (held, held, sample["paid"])
    rows = read(path).to_pylist()
    assert (len(rows), len({r["order_id"] for r in rows}), sum(r["status"] == "paid" for r in rows)) == want
    source = "local_silver." + orders["name"].replace(".", "_")
    assert gold(f"select count(*), count(distinct order_id), count_if(status = 'paid') from {source}") == [want]


def made_up_manifest():
    """A manifest of three made-up declared sources, one of each kind, as the generated sources
    write them, a batch table that is no declared source, and two models: one reads the
    replicated table's history (not the table that holds its rows), one the stream's events; no
    model reads the API source."""
    sources = {}
    for kind, name, tables in [
        ("table", "shop.lines", ["shop_lines", "shop_lines_history"]),
        ("stream", "clicks", ["kinesis_clicks", "kinesis_clicks_late"]),
        ("api", "fx", ["api_fx", "api_fx_quarantine"]),
    ]:
        for table in tables:
            sources[f"source.p.silver.{table}"] = {
                "name": table,
                "schema": "local_silver",
                "identifier": table,
                "meta": {"delta_table_path": table, "declared": {"kind": kind, "name": name, "table": tables[0]}},
            }
    sources["source.p.silver.batch_watermarks"] = {"name": "batch_watermarks", "meta": {}}
    models = {
        "model.p.stg_lines": ["source.p.silver.shop_lines_history"],
        "model.p.stg_clicks": ["source.p.silver.kinesis_clicks", "source.p.silver.batch_watermarks"],
        # A test reads the API source: a test is no model.
        "test.p.unique_api_fx_code": ["source.p.silver.api_fx"],
    }
    nodes = {
        uid: {"resource_type": uid.split(".")[0], "depends_on": {"nodes": parents}} for uid, parents in models.items()
    }
    return {"sources": sources, "nodes": nodes}


def test_a_declared_source_no_model_reads_is_reported_not_an_error():
    manifest = made_up_manifest()
    sources = report.declared_sources(manifest)
    assert list(sources) == [("table", "shop.lines"), ("stream", "clicks"), ("api", "fx")]
    assert {s: e["relation"] for s, e in sources.items()} == {
        ("table", "shop.lines"): ("local_silver", "shop_lines"),
        ("stream", "clicks"): ("local_silver", "kinesis_clicks"),
        ("api", "fx"): ("local_silver", "api_fx"),
    }
    assert report.unused(manifest, sources) == [("api", "fx")]

    db = duckdb.connect()
    db.sql("create schema local_silver")
    for table, rows in {"shop_lines": 3, "kinesis_clicks": 2, "api_fx": 0}.items():
        db.sql(f"create table local_silver.{table} as select range as n from range({rows})")
    lines = report.silver_lines(db, manifest)
    assert listed(lines) == {("table", "shop.lines"): 3, ("stream", "clicks"): 2, ("api", "fx"): 0}
    assert [line.endswith(" *") for line in lines[1:4]] == [False, False, True], lines
    assert lines[4:] == ["No model reads 1 declared source(s): api fx. Add a staging model (docs/sources.md)."]
