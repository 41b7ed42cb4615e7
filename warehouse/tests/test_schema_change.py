"""Incremental marts follow new columns: a column declared in a source and added to an
incremental model (and its contract) reaches the model's table on its next incremental run, as
the model's on_schema_change (append_new_columns) says; dbt's default, ignore, would drop it.

On the local target (DuckDB, which dbt-duckdb lets take every on_schema_change) in a copy of
the project cut down to one incremental model and what it reads, over a silver of a few rows:
1. the model's first run, over two days of the source;
2. the column declared in the source (as cmd/warehouse would write it from config), selected
   by the staging view, aggregated by the model and declared in its contract, which the copy
   enforces (dbt-core 1.11 allows only append_new_columns or fail on an incremental model whose
   contract is enforced, checked when it parses);
3. a third day delivered with the column, and the model's incremental run (no --full-refresh).
The days the run does not rebuild (before its lookback) hold null in the new column, the new
day holds the values."""

import datetime
import os
import shutil

import deltalake
import duckdb
import pyarrow as pa
import pytest
import yaml

from tests.conftest import WAREHOUSE, dbt
from tests.test_pipeline import example_model

MODEL, VIEW, SOURCE = "daily_web_events", "stg_web_events", "kinesis_web_events"
COLUMN = "referrer"
DAYS = [datetime.date(2026, 3, 1) + datetime.timedelta(days=i) for i in range(3)]
ARROW = {"string": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32()}


def read_yaml(*path):
    with open(os.path.join(WAREHOUSE, *path), encoding="utf-8") as f:
        return yaml.safe_load(f)


def write_yaml(path, data):
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)


def cut_down_copy(work, gold):
    """The copy under work: the project's configuration, profiles and macros, the one model, its
    staging view and its source's declaration, as the project has them; the model's contract
    enforced. Returns the copy's root and the source table's declaration."""
    root = work / "project"
    (root / "models" / "staging").mkdir(parents=True)
    (root / "models" / "marts").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(os.path.join(WAREHOUSE, name), root / name)
    shutil.copytree(os.path.join(WAREHOUSE, "macros"), root / "macros")
    shutil.copy(os.path.join(WAREHOUSE, "models", "staging", VIEW + ".sql"), root / "models" / "staging")
    shutil.copy(os.path.join(WAREHOUSE, "models", "marts", MODEL + ".sql"), root / "models" / "marts")
    (source,) = read_yaml("models", "staging", "_silver__sources.yml")["sources"]
    (table,) = [t for t in source["tables"] if t["name"] == SOURCE]
    # Freshness is another test's: its query names the created-tables table, not copied.
    for key in ("freshness", "loaded_at_query", "loaded_at_field"):
        table.pop(key, None)
    write_yaml(root / "models" / "staging" / "_silver__sources.yml", {"sources": [{**source, "tables": [table]}]})
    # The model's entry as the project declares it, with a contract of the columns and types its
    # local build has (make pipeline's gold), enforced.
    (entry,) = [m for m in read_yaml("models", "marts", "_marts.yml")["models"] if m["name"] == MODEL]
    types = gold(
        "select column_name, lower(data_type) from information_schema.columns "
        f"where table_schema = 'local_gold' and table_name = '{MODEL}' order by ordinal_position"
    )
    entry = {**entry, "config": {**entry.get("config", {}), "contract": {"enforced": True}}}
    entry["columns"] = [{"name": c, "data_type": t} for c, t in types]
    write_yaml(root / "models" / "marts" / "_marts.yml", {"models": [entry]})
    return root, table


@example_model(MODEL)
def test_an_incremental_run_adds_a_new_column_null_in_older_rows_and_filled_in_new_ones(gold, tmp_path):
    root, table = cut_down_copy(tmp_path, gold)
    silver = tmp_path / "silver"
    path = str(silver) + "/" + table["meta"]["delta_table_path"].split("}}")[-1]
    columns = [(c["name"], c["data_type"]) for c in table["columns"]]
    database = str(tmp_path / "warehouse.duckdb")

    def events(day, n, **extra):
        return [
            {
                "event_id": f"{day}-{i}",
                "event_type": ("page_view", "click")[i % 2],
                "user_id": f"user-{i}",
                "session_id": f"session-{i}",
                "page": "/",
                "event_time": datetime.datetime.combine(day, datetime.time(12), datetime.UTC),
                "_bronze_file": "sample",
                "event_date": day,
                **extra,
            }
            for i in range(n)
        ]

    schema = pa.schema([(name, ARROW[data_type]) for name, data_type in columns])
    deltalake.write_deltalake(path, pa.Table.from_pylist(events(DAYS[0], 4) + events(DAYS[1], 4), schema=schema))

    def run():
        paths = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
        dbt("run", "--target", "local", *paths, project=root)

    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_SILVER", str(silver) + "/")
        env.setenv("WAREHOUSE_DUCKDB", database)
        run()

        # The column, declared in the source and carried through the view, the model and its
        # contract.
        sources_yml = root / "models" / "staging" / "_silver__sources.yml"
        declared = yaml.safe_load(sources_yml.read_text())
        declared["sources"][0]["tables"][0]["columns"].append({"name": COLUMN, "data_type": "string"})
        write_yaml(sources_yml, declared)
        view = root / "models" / "staging" / (VIEW + ".sql")
        view.write_text(view.read_text().replace("    event_date\n", f"    event_date,\n    {COLUMN}\n"))
        model = root / "models" / "marts" / (MODEL + ".sql")
        code = model.read_text()
        assert "as sessions\n" in code, "the model's last aggregate moved: put the new column after it"
        model.write_text(code.replace("as sessions\n", f"as sessions,\n    max({COLUMN}) as {COLUMN}\n"))
        marts_yml = root / "models" / "marts" / "_marts.yml"
        contract = yaml.safe_load(marts_yml.read_text())
        contract["models"][0]["columns"].append({"name": COLUMN, "data_type": "varchar"})
        write_yaml(marts_yml, contract)

        new = pa.schema([*schema, (COLUMN, pa.string())])
        deltalake.write_deltalake(
            path,
            pa.Table.from_pylist(events(DAYS[2], 4, referrer="search"), schema=new),
            mode="append",
            schema_mode="merge",
        )
        run()

    db = duckdb.connect(database, read_only=True)
    try:
        query = f"select column_name from information_schema.columns where table_name = '{MODEL}'"
        names = [c for (c,) in db.sql(query).fetchall()]
        assert COLUMN in names, f"the incremental run dropped {COLUMN}: {names}"
        rows = db.sql(f"select event_date, event_type, {COLUMN} from local_gold.{MODEL} order by 1, 2").fetchall()
    finally:
        db.close()
    by_day = {}
    for day, _, value in rows:
        by_day.setdefault(day, []).append(value)
    assert sorted(by_day) == DAYS, rows
    # Before the run's lookback (daily_web_events rebuilds its newest day and later): kept as they
    # were, the new column null.
    assert by_day[DAYS[0]] == [None, None], rows
    # The new day: the value its events carry.
    assert by_day[DAYS[2]] == ["search", "search"], rows
