"""The warehouse's tests run after `make pipeline` (make warehouse-test): its output is at
$WAREHOUSE_PIPELINE. The Athena compile and build run against moto's server, started from the
rehearsal's environment ($MOTO_PYTHON), as the DAG tests do."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import duckdb
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner

WAREHOUSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(WAREHOUSE)


def dbt(*args, check=True, project=WAREHOUSE):
    """One dbt invocation on the warehouse's project (or another, with its profiles beside it) in
    this process (dbtRunner): no interpreter to start, and, within one --target-path, dbt's
    partial parse. It reads this process's environment (set it with monkeypatch). With check, it
    fails with each failed node's message. Returns the invocation's result: the nodes' results,
    or a parse's manifest."""
    try:
        result = dbtRunner().invoke([*args, "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"])
    finally:
        # dbt-duckdb keeps its database open in the process until exit; the next invocation
        # would reuse it, load every source while parsing, and hold the file.
        DuckDBConnectionManager.close_all_connections()
    failed = [
        f"{r.node.unique_id}: {r.status} {r.message or ''}"
        for r in getattr(result.result, "results", [])
        if r.status in ("error", "fail", "runtime error")
    ]
    assert result.success or not check, f"dbt {' '.join(args)}: {result.exception or ''}\n" + "\n".join(failed)
    return result.result


@pytest.fixture(scope="session")
def pipeline():
    root = os.environ.get("WAREHOUSE_PIPELINE")
    if not root or not os.path.exists(os.path.join(root, "sample.json")):
        pytest.fail("run the pipeline first: make warehouse-test runs make pipeline, then these tests")
    return root


@pytest.fixture(scope="session")
def manifest():
    """The shipped manifest (test_manifest.py checks that it is current)."""
    with open(os.path.join(WAREHOUSE, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def sample(pipeline):
    with open(os.path.join(pipeline, "sample.json")) as f:
        return json.load(f)


@pytest.fixture(scope="session")
def gold(pipeline):
    db = duckdb.connect(os.path.join(pipeline, "warehouse.duckdb"), read_only=True)
    yield lambda sql: db.sql(sql).fetchall()
    db.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto():
    """moto's server on a free port: its URL. AWS credentials and endpoint point at it."""
    python = os.environ.get("MOTO_PYTHON")
    if not python:
        pytest.fail("MOTO_PYTHON must name the rehearsal's Python (make warehouse-test sets it)")
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "rehearsal.motoserver", "-H", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        sys.exit("moto's server did not start")
    yield url
    server.terminate()
    server.wait(10)
