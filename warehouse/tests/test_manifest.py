"""The shipped manifest (manifest.json), which Airflow renders the gold tasks from, is the
project's as it stands: the same nodes, each with the same code and the same parents. `make
warehouse-config` writes it."""

import json
import os
import subprocess

from tests.conftest import WAREHOUSE


def graph(manifest):
    nodes = {**manifest["nodes"], **manifest["sources"]}
    return {
        uid: (n.get("checksum", {}).get("checksum"), sorted(n.get("depends_on", {}).get("nodes", [])))
        for uid, n in nodes.items()
    }


def test_the_shipped_manifest_is_current(tmp_path):
    parsed = subprocess.run(
        [
            os.path.join(WAREHOUSE, ".venv", "bin", "dbt"),
            "parse",
            "--quiet",
            "--target",
            "local",
            "--target-path",
            str(tmp_path),
            "--profiles-dir",
            WAREHOUSE,
        ],
        cwd=WAREHOUSE,
        capture_output=True,
        text=True,
    )
    assert parsed.returncode == 0, parsed.stdout[-2000:]
    with open(tmp_path / "manifest.json") as f:
        fresh = json.load(f)
    with open(os.path.join(WAREHOUSE, "manifest.json")) as f:
        shipped = json.load(f)
    assert graph(shipped) == graph(fresh), "warehouse/manifest.json is stale: run make warehouse-config"
