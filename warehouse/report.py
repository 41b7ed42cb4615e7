"""The gold report of `make pipeline`: rows per model of the local warehouse, the serving view's
answer (each order's current status, and which flow it came from), and the time of each step.

    python report.py --root .pipeline
"""

import argparse
import json
import os

import duckdb

GOLD = "local_gold"
SERVING = "order_status_current"


def gold_rows(db):
    """{model: rows} of every table and view dbt built in the local gold schema."""
    names = [
        r[0]
        for r in db.sql(
            f"select table_name from information_schema.tables where table_schema = '{GOLD}' order by 1"
        ).fetchall()
    ]
    return {n: db.sql(f'select count(*) from {GOLD}."{n}"').fetchall()[0][0] for n in names}


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
    args = parser.parse_args(argv)
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
