"""API bronze as the api_ingestion DAG writes it, for the jobs' tests and `make pipeline`: the
DAG's own code (dags/platform_lib/bronze.py: object_key, to_json_lines) under the prefix the
Airflow stack hands the DAG (platform.bronze_api_prefix in the synthesized Airflow template),
so the fixture's layout is the DAG's. contracts/api.yaml is that layout, with its sources;
tests/test_contracts_streams.py checks this writer and the DAG's against it."""

import importlib.util
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The Airflow configuration option the DAG reads its prefix from (dags/platform_lib/settings.py).
PREFIX_OPTION = "platform.bronze_api_prefix"


def _bronze_module():
    spec = importlib.util.spec_from_file_location("bronze", os.path.join(ROOT, "dags", "platform_lib", "bronze.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bronze_lib = _bronze_module()


def airflow_options(env="staging"):
    """The Airflow configuration options the Airflow stack gives MWAA in env."""
    with open(os.path.join(ROOT, "test", "testdata", env, "Airflow.json")) as f:
        template = json.load(f)
    (environment,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::MWAA::Environment"]
    return environment["Properties"]["AirflowConfigurationOptions"]


API_ROOT = airflow_options()[PREFIX_OPTION]


def write_day(bronze_root, source, records, day, raw_lines=()):
    """Writes what the DAG writes for source (its name) and day under bronze_root; returns the
    object's path. raw_lines, which the DAG never writes, follow verbatim, one per line: the
    jobs' tests use them for records an API might answer that do not fit."""
    key = bronze_lib.object_key(API_ROOT, source, day)
    path = os.path.join(bronze_root, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bronze_lib.to_json_lines(records) + "".join(line + "\n" for line in raw_lines).encode())
    return path
