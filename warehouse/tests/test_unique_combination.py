"""The project's generic test of a composite key (macros/tests/unique_combination.sql): the
generated sources put it on every declared source whose key has several columns, and models use
it too. Here it runs in a project of its own over a tiny DuckDB, with nothing of the pipeline:
- it fails on two rows that share the key's values, one failure per such group;
- it passes where every pair is distinct, though each column alone repeats;
- the key's columns are named like SQL keywords (a declared column may be: config allows any
  lowercase name), which neither DuckDB nor Athena takes bare."""

import shutil

import pytest
import yaml

from tests.conftest import WAREHOUSE, dbt

# A key of two columns named like keywords, and per model its rows and the test's outcome.
KEY = ["order", "date"]
CASES = {
    "a_duplicate_pair": ([(1, "a"), (1, "a"), (2, "a")], "fail"),
    "two_duplicate_pairs": ([(1, "a"), (1, "a"), (2, "b"), (2, "b"), (2, "b")], "fail"),
    "distinct_pairs": ([(1, "a"), (1, "b"), (2, "a")], "pass"),
}
# The groups of rows sharing the key's values, each one failure.
FAILURES = {"a_duplicate_pair": 1, "two_duplicate_pairs": 2, "distinct_pairs": 0}


def model(rows):
    """A model of rows, its columns named KEY (quoted: they are keywords)."""
    values = ", ".join(f"({number}, '{text}')" for number, text in rows)
    columns = ", ".join(f'"{c}"' for c in KEY)
    return f"select * from (values {values}) as pairs ({columns})\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A dbt project with the warehouse's generic tests, a model per case, each tested with
    unique_combination on KEY as the generated sources write it, and a DuckDB profile."""
    root = tmp_path_factory.mktemp("unique-combination")
    (root / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "generic_tests",
                "version": "1.0.0",
                "profile": "generic_tests",
                "config-version": 2,
                "macro-paths": ["macros"],
                "model-paths": ["models"],
                "flags": {"send_anonymous_usage_stats": False},
            }
        )
    )
    (root / "profiles.yml").write_text(
        yaml.safe_dump(
            {
                "generic_tests": {
                    "target": "local",
                    "outputs": {"local": {"type": "duckdb", "path": str(root / "tiny.duckdb"), "threads": 1}},
                }
            }
        )
    )
    shutil.copytree(f"{WAREHOUSE}/macros/tests", root / "macros" / "tests")
    models = root / "models"
    models.mkdir()
    for name, (rows, _) in CASES.items():
        (models / f"{name}.sql").write_text(model(rows))
    tested = [{"name": n, "data_tests": [{"unique_combination": {"arguments": {"columns": KEY}}}]} for n in CASES]
    (models / "_models.yml").write_text(yaml.safe_dump({"version": 2, "models": tested}))
    return root


def test_unique_combination_fails_on_a_repeated_key_and_passes_on_distinct_pairs(project):
    paths = ["--target-path", str(project / "target"), "--log-path", str(project / "logs")]
    results = dbt("build", *paths, check=False, project=project).results
    tests = {r.node.attached_node.split(".")[-1]: r for r in results if r.node.resource_type == "test"}
    assert {name: r.status for name, r in tests.items()} == {name: outcome for name, (_, outcome) in CASES.items()}, {
        name: r.message for name, r in tests.items()
    }
    assert {name: r.failures for name, r in tests.items()} == FAILURES
