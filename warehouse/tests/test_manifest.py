"""The shipped manifest (manifest.json), which Airflow renders the gold tasks from, is the
project's as it stands: the same nodes, each with the same code and the same parents. `make
warehouse-config` writes it."""

import json
import os

from tests.conftest import WAREHOUSE, dbt


def graph(manifest):
    """What Airflow's tasks are made of: each model's and test's code and parents, and each
    source's freshness (a source with freshness is a task of its own)."""
    nodes = {uid: (n["checksum"]["checksum"], sorted(n["depends_on"]["nodes"])) for uid, n in manifest["nodes"].items()}
    sources = {
        uid: (
            json.dumps(s.get("freshness"), sort_keys=True),
            s.get("loaded_at_field"),
            s.get("loaded_at_query"),
            s["schema"],
            s["identifier"],
        )
        for uid, s in manifest["sources"].items()
    }
    return nodes, sources


def test_the_shipped_manifest_is_current(tmp_path):
    dbt("parse", "--target", "local", "--target-path", str(tmp_path), "--log-path", str(tmp_path / "logs"))
    with open(tmp_path / "manifest.json") as f:
        fresh = json.load(f)
    with open(os.path.join(WAREHOUSE, "manifest.json")) as f:
        shipped = json.load(f)
    assert graph(shipped) == graph(fresh), "warehouse/manifest.json is stale: run make generate"
