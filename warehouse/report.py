"""The gold report of `make pipeline`: rows per model of the local warehouse, each declared
source's rows in silver (and the sources no model uses yet), the serving view's answer (each
order's current status, and which flow it came from), and the time of each step.

    python report.py --root .pipeline [--manifest target/manifest.json]
"""

import argparse
import json
import os

import duckdb

GOLD = "local_gold"
SERVING = "order_status_current"
# The kinds of declared source, in the order the report lists them.
KINDS = ("table", "stream", "api")
# The manifest of the pipeline's dbt run (its target path: the project's default).
MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "target", "manifest.json")


def gold_rows(db):
    """{model: rows} of every table and view dbt built in the local gold schema."""
    names = [
        r[0]
        for r in db.sql(
            f"select table_name from information_schema.tables where table_schema = '{GOLD}' order by 1"
        ).fetchall()
    ]
    return {n: db.sql(f'select count(*) from {GOLD}."{n}"').fetchall()[0][0] for n in names}


def declared_sources(manifest):
    """{(kind, name): {"relation": (schema, table) of the silver table that holds its rows,
    "tables": its silver tables' dbt IDs}} of every source config declares (a replicated table, a
    stream, an API source), by kind and name: the generated sources name each in meta.declared
    (cmd/warehouse)."""
    out = {}
    for uid, source in manifest["sources"].items():
        declared = source["meta"].get("declared")
        if not declared:
            continue
        entry = out.setdefault((declared["kind"], declared["name"]), {"tables": set()})
        entry["tables"].add(uid)
        if source["name"] == declared["table"]:
            entry["relation"] = (source["schema"], source["identifier"])
    return dict(sorted(out.items(), key=lambda item: (KINDS.index(item[0][0]), item[0][1])))


def unused(manifest, declared):
    """The declared sources that no model reads, from any of their tables: what a new source is
    until the team writes its staging model (docs/sources.md). Reported, not an error."""
    read = {
        uid
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        for uid in node["depends_on"]["nodes"]
    }
    return [source for source, entry in declared.items() if not entry["tables"] & read]


def silver_rows(db, declared):
    """{(kind, name): rows} of each declared source's silver table, as the local target loaded it."""
    rows = {}
    for source, entry in declared.items():
        schema, table = entry["relation"]
        rows[source] = db.sql(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
    return rows


def silver_lines(db, manifest):
    """The report's part on silver: each declared source's kind, name, silver table and rows,
    starred when no model reads it, and then those sources named, to add a model for."""
    declared = declared_sources(manifest)
    idle = unused(manifest, declared)
    lines = ["Silver, rows per declared source (* no model reads it):"]
    for (kind, name), rows in silver_rows(db, declared).items():
        table = declared[(kind, name)]["relation"][1]
        lines.append(f"  {kind:<6} {name:<32} {table:<36} {rows:>6}{' *' if (kind, name) in idle else ''}")
    if idle:
        names = ", ".join(f"{kind} {name}" for kind, name in idle)
        lines.append(f"No model reads {len(idle)} declared source(s): {names}. Add a staging model (docs/sources.md).")
    return lines


def serving_answer(db):
    """[(status, flow, orders)] of the serving view: the current status of each order."""
    return db.sql(f"select status, flow, count(*) from {GOLD}.{SERVING} group by 1, 2 order by 1, 2").fetchall()


def watermark(db):
    row = db.sql(f"select table_name, watermark from {GOLD}.stg_watermarks").fetchall()[0]
    return row


def dbt_seconds(run_results):
    with open(run_results) as f:
        return round(json.load(f)["elapsed_time"], 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the pipeline's directory (make pipeline's PIPELINE)")
    parser.add_argument("--manifest", default=MANIFEST, help="the dbt run's manifest (default: %(default)s)")
    args = parser.parse_args(argv)
    with open(args.manifest) as f:
        manifest = json.load(f)
    with open(os.path.join(args.root, "steps.json")) as f:
        steps = json.load(f)
    for name in ("build", "freshness"):
        path = os.path.join(args.root, f"dbt-{name}.json")
        if os.path.exists(path):
            steps[f"dbt: {name} on the local target"] = dbt_seconds(path)
    db = duckdb.connect(os.path.join(args.root, "warehouse.duckdb"), read_only=True)
    print(f"Gold ({GOLD}, DuckDB), rows per model:")
    for name, rows in gold_rows(db).items():
        print(f"  {name:<28} {rows:>6}")
    print("\n" + "\n".join(silver_lines(db, manifest)))
    table, mark = watermark(db)
    print(f"\nThe batch job's watermark of {table}: {mark}")
    print(f"The serving view ({SERVING}): each order's current status, from the flow that has it")
    print(f"  {'status':<10} {'flow':<6} {'orders':>6}")
    for status, flow, orders in serving_answer(db):
        print(f"  {status:<10} {flow:<6} {orders:>6}")
    print("\nTime per step:")
    for name, seconds in steps.items():
        print(f"  {seconds:7.1f} s  {name}")
    print(f"  {sum(steps.values()):7.1f} s  total")


if __name__ == "__main__":
    main()
