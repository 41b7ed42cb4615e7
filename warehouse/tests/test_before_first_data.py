"""Before the first data: the batch job's first run on empty bronze (the pipeline's empty/silver,
made by every task of bronze_to_silver through its entry point) creates every declared silver
table empty and records when in the created-tables table. Over a copy of it, dbt build and
source freshness on the local target, as make pipeline runs them (docs/warehouse.md):
- gold builds with zero rows, and every source is fresh: an empty table's newest row is its
  creation;
- past the freshness window, a source whose newest row is older errors, and so does a table
  still empty that long after its creation (a source that never delivered); a table created
  before creations were recorded stays fresh."""

import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import deltalake
import duckdb
import pyarrow as pa
import pytest
import yaml
from duckdb_plugins.silver_delta import read

from tests.conftest import REPO, WAREHOUSE, dbt

with open(os.path.join(WAREHOUSE, "models", "staging", "_silver__sources.yml")) as f:
    (SILVER,) = yaml.safe_load(f)["sources"]
# Each silver table's folder under silver (its delta_table_path after the silver root).
FOLDERS = {t["name"]: t["meta"]["delta_table_path"].split("}}")[-1] for t in SILVER["tables"]}
# Each silver table's name, by its folder (as the bundle's variables name it, with a /).
TABLES = {folder + "/": name for name, folder in FOLDERS.items()}
with open(os.path.join(REPO, "jobs", "targets.yml")) as f:
    VARIABLES = yaml.safe_load(f)["targets"]["staging"]["variables"]
# The batch job's record of its creations: its folder, and its columns (table, when).
CREATED = VARIABLES["tables_created"].rstrip("/")
(DECLARED,) = [t for t in json.loads(VARIABLES["silver_tables"]) if t["prefix"] == VARIABLES["tables_created"]]
TABLE_NAME, CREATED_AT = [c["name"] for c in DECLARED["columns"]]


def window(table):
    """The freshness window of a source, in hours."""
    after = table["freshness"]["error_after"]
    assert after["period"] == "hour", after
    return after["count"]


WINDOWS = {t["name"]: window(t) for t in SILVER["tables"] if "freshness" in t}


class Local:
    """dbt's local target over copies of the first run's silver. Every copy is reached through
    one link, so the path dbt's parse renders into the sources holds for each, and every
    invocation after the first reuses its parse."""

    def __init__(self, work, first_run):
        self.work, self.first_run = work, first_run
        self.link = work / "silver"
        self.database = str(work / "warehouse.duckdb")
        self.copies = 0

    def fresh_silver(self):
        """A new copy of the first run's silver, where the target reads; its path."""
        self.copies += 1
        copy = self.work / f"copy{self.copies}"
        shutil.copytree(self.first_run, copy)
        self.link.unlink(missing_ok=True)
        self.link.symlink_to(copy, target_is_directory=True)
        return str(copy)

    def dbt(self, *args, check=True):
        paths = ["--target-path", str(self.work / "target"), "--log-path", str(self.work / "logs")]
        return dbt(*args, "--target", "local", *paths, check=check)

    def freshness(self, check=True):
        """{source table: its freshness result}."""
        return {r.node.name: r for r in self.dbt("source", "freshness", check=check).results}


@pytest.fixture(scope="module")
def local(pipeline, tmp_path_factory):
    first_run = os.path.join(pipeline, "empty", "silver")
    assert os.path.isdir(first_run), "make pipeline's first run leaves empty/silver"
    work = tmp_path_factory.mktemp("first-data")
    target = Local(work, first_run)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_SILVER", str(target.link) + "/")
        env.setenv("WAREHOUSE_DUCKDB", target.database)
        yield target


def recorded(silver):
    """{table: when the batch job created it} of the created-tables table under silver."""
    rows = read(os.path.join(silver, CREATED)).to_pylist()
    return {r[TABLE_NAME]: r[CREATED_AT] for r in rows}


def test_gold_builds_over_empty_silver_and_every_source_is_fresh_from_its_creation(local):
    silver = local.fresh_silver()
    results = local.dbt("build").results
    assert results and {r.status for r in results} <= {"success", "pass"}, [
        (r.node.unique_id, r.status) for r in results if r.status not in ("success", "pass")
    ]

    sources = local.freshness()
    assert sources.keys() == WINDOWS.keys(), "every source with freshness is checked"
    assert {name: r.status for name, r in sources.items()} == dict.fromkeys(WINDOWS, "pass")
    # Not the check's own time: the creation the first run recorded, for every table.
    created = recorded(silver)
    assert {name: r.max_loaded_at for name, r in sources.items()} == {name: created[name] for name in WINDOWS}

    db = duckdb.connect(local.database)
    try:
        models = db.sql("select table_name from information_schema.tables where table_schema = 'local_gold'").fetchall()
        assert models, "dbt built no gold"
        rows = {name: db.sql(f'select count(*) from local_gold."{name}"').fetchall()[0][0] for (name,) in models}
    finally:
        db.close()
    assert rows == dict.fromkeys(rows, 0), "gold over empty silver is empty"
    print(f"{len(results)} nodes built, {len(sources)} sources fresh, {len(rows)} gold relations, all empty")


def append(path, column, value):
    """Appends to the Delta table at path one row: column's value, the rest null."""
    schema = pa.schema(deltalake.DeltaTable(path).schema().to_arrow())
    deltalake.write_deltalake(path, pa.Table.from_pylist([{column: value}], schema=schema), mode="append")


def test_a_source_stale_or_never_delivered_past_its_window_errors(local):
    silver = local.fresh_silver()
    # A replicated table, stale by DMS's commit time, which its history holds; two other sources,
    # one still empty, one not recorded: config's own, whatever it declares.
    table = json.loads(VARIABLES["rds_tables"])[0]
    stale = TABLES[table["current"]]
    never, unrecorded = [name for name in WINDOWS if name != stale][:2]
    now = datetime.now(UTC).replace(microsecond=0)
    old = {name: now - timedelta(hours=WINDOWS[name] + 1) for name in (stale, never)}

    # Its newest row older than the window, in a table created just now.
    append(os.path.join(silver, table["history"]), VARIABLES["timestamp_column"], old[stale])
    # Still empty, created longer ago than the window: a source that never delivered. And one
    # with no record: made before the batch job recorded creations, so its check's time stands in.
    created = recorded(silver)
    created[never] = old[never]
    del created[unrecorded]
    path = os.path.join(silver, CREATED)
    schema = pa.schema(deltalake.DeltaTable(path).schema().to_arrow())
    rows = [{TABLE_NAME: name, CREATED_AT: at} for name, at in created.items()]
    deltalake.write_deltalake(path, pa.Table.from_pylist(rows, schema=schema), mode="overwrite")

    sources = local.freshness(check=False)
    errors = {stale, never}
    assert {name: r.status for name, r in sources.items()} == {n: "error" if n in errors else "pass" for n in WINDOWS}
    assert {name: sources[name].max_loaded_at for name in errors} == old
    assert sources[unrecorded].max_loaded_at >= now
