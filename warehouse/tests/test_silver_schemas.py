"""Every Delta table the jobs wrote in the pipeline (make pipeline: its silver, and the batch
job's first run on empty bronze under empty/silver) has exactly the schema config declares for
it: the bundle's silver_tables (jobs/targets.yml, generated from config/), which the Catalog
stack gives Glue too (test/catalog_test.go checks the templates against config). Athena's views
need the Glue schema to be the Delta log's (Athena, "Synchronize Delta Lake metadata"), and
every staging and serving model is a view."""

import json
import os

import deltalake
import pytest
import yaml
from duckdb_plugins.silver_delta import read

from tests.conftest import REPO

# Delta's primitive types (the Delta protocol's "Primitive Types") as Glue and Hive spell them,
# which is how config declares a column. Delta's timestamp_ntz has no Glue type Athena reads.
HIVE = {
    "string": "string",
    "long": "bigint",
    "integer": "int",
    "short": "smallint",
    "byte": "tinyint",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "binary": "binary",
    "date": "date",
    "timestamp": "timestamp",
}


def hive(delta_type):
    """A Delta column type (the schema's JSON) as a Hive type."""
    if isinstance(delta_type, dict):
        if delta_type["type"] == "map":
            return f"map<{hive(delta_type['keyType'])},{hive(delta_type['valueType'])}>"
        if delta_type["type"] == "array":
            return f"array<{hive(delta_type['elementType'])}>"
        fields = ",".join(f"{f['name']}:{hive(f['type'])}" for f in delta_type["fields"])
        return f"struct<{fields}>"
    if delta_type.startswith("decimal("):
        return delta_type.replace(" ", "")
    return HIVE[delta_type]


def written(path):
    """(columns, partition columns) of the Delta table at path, as (name, Hive type) pairs, each
    in the table's order."""
    table = deltalake.DeltaTable(path)
    partitions = table.metadata().partition_columns
    fields = [(f["name"], hive(f["type"])) for f in json.loads(table.schema().to_json())["fields"]]
    kinds = dict(fields)
    return [f for f in fields if f[0] not in partitions], [(p, kinds[p]) for p in partitions]


def declared():
    """{prefix: (name, columns, partition columns)} of the staging target's silver_tables, which
    the pipeline's jobs are given."""
    with open(os.path.join(REPO, "jobs", "targets.yml")) as f:
        tables = json.loads(yaml.safe_load(f)["targets"]["staging"]["variables"]["silver_tables"])
    pairs = lambda columns: [(c["name"], c["type"]) for c in columns]  # noqa: E731
    return {t["prefix"].rstrip("/"): (t["name"], pairs(t["columns"]), pairs(t["partition_keys"])) for t in tables}


def created_tables():
    """The prefix of the batch job's record of the tables it created (the bundle's tables_created)."""
    with open(os.path.join(REPO, "jobs", "targets.yml")) as f:
        return yaml.safe_load(f)["targets"]["staging"]["variables"]["tables_created"]


def delta_tables(silver):
    """The prefixes of every Delta table under silver, but the jobs' state (_state/, which no
    Glue table points at)."""
    found = []
    for folder, dirs, _ in os.walk(silver):
        if "_delta_log" in dirs:
            found.append(os.path.relpath(folder, silver))
            dirs.clear()
        dirs[:] = [d for d in dirs if not (folder == silver.rstrip("/") and d == "_state")]
    return sorted(found)


@pytest.mark.parametrize("silver", ["silver", "empty/silver"])
def test_every_table_the_jobs_write_is_as_config_declares_it(pipeline, silver):
    root = os.path.join(pipeline, silver)
    want = declared()
    assert any(partitions for _, _, partitions in want.values()), "a partitioned table is declared: both are checked"
    found = delta_tables(root)
    # Not vacuous: a pipeline that wrote no table under root would check nothing.
    assert found, f"no Delta table under {root}: the pipeline wrote none, so nothing was checked"
    assert set(found) <= set(want), f"tables no config declares (so Glue lacks): {sorted(set(found) - set(want))}"
    checked = 0
    for prefix in found:
        name, columns, partitions = want[prefix]
        got_columns, got_partitions = written(os.path.join(root, prefix))
        assert (got_columns, got_partitions) == (columns, partitions), f"{name} ({prefix})"
        checked += len(columns) + len(partitions)
    if silver == "empty/silver":
        # The batch job's first run leaves every declared table, empty, but its record of when
        # it created each (for dbt's freshness): one row per table.
        assert set(found) == set(want)
        rows = {p: read(os.path.join(root, p)) for p in found}
        record = created_tables().rstrip("/")
        table_name = want[record][1][0][0]  # its first column: the table created
        assert sorted(rows.pop(record).column(table_name).to_pylist()) == sorted(n for n, _, _ in want.values())
        assert all(t.num_rows == 0 for t in rows.values())
    print(f"{silver}: {len(found)} tables, {checked} columns as declared")
