"""The warehouse's task group (platform_lib.warehouse) in Airflow 3 (dag.test), with cosmos and
the real dbt: the warehouse's own environment (warehouse/.venv), its local target over the
pipeline's silver (make pipeline, which make dag-test runs first). On MWAA the same group runs
the startup script's dbt on the environment's Athena target."""

import json
import os
import shutil
import subprocess
from datetime import datetime

import pytest

from tests import conftest
from tests.pipeline import OPTIONS, Alerts, Calls, load_dag, states

WAREHOUSE = os.path.join(conftest.mwaa.REPO, "warehouse")
DBT = os.path.join(WAREHOUSE, ".venv", "bin", "dbt")


def manifest_models():
    """The project's models, from the manifest the gold group renders its tasks from
    (warehouse/manifest.json): what the team declared, not the sample's names."""
    with open(os.path.join(WAREHOUSE, "manifest.json")) as f:
        return [n for n in json.load(f)["nodes"].values() if n["resource_type"] == "model"]


@pytest.fixture
def silver(tmp_path):
    """A copy of the pipeline's silver, for a test to spoil."""
    pipeline = os.environ.get("WAREHOUSE_PIPELINE")
    if not pipeline or not os.path.exists(os.path.join(pipeline, "silver")):
        pytest.fail("run the pipeline first: make dag-test runs make pipeline")
    copy = tmp_path / "silver"
    shutil.copytree(os.path.join(pipeline, "silver"), copy)
    return str(copy) + "/"


GOLD_DAG = """
from datetime import datetime

from airflow.sdk import DAG

from platform_lib import alerts, warehouse

with DAG("gold_only", start_date=datetime(2026, 1, 1), schedule=None,
         default_args={{"on_failure_callback": alerts.on_failure, "retries": 0}}):
    warehouse.gold("gold", project_dir={project!r}, dbt={dbt!r}, target="local", select={select!r},
                   env={env!r}, append_env=True)
"""


def gold_dag(silver, tmp_path, select):
    """A DAG of only the gold group, for the part of the project select names, on the local
    target, alerting as every DAG does; stored in the metadata database as the DAG processor
    would, which dag.test needs."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    folder = tmp_path / "dags"
    folder.mkdir()
    env = {"WAREHOUSE_SILVER": silver, "WAREHOUSE_DUCKDB": str(tmp_path / "warehouse.duckdb")}
    (folder / "gold_only.py").write_text(GOLD_DAG.format(project=WAREHOUSE, dbt=DBT, select=list(select), env=env))
    bag = DagBag(dag_folder=str(folder), include_examples=False)
    assert bag.import_errors == {}
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    return bag.get_dag("gold_only")


def test_bronze_pipeline_builds_gold_after_the_batch_job(monkeypatch):
    monkeypatch.setenv("AIRFLOW__PLATFORM__DBT_TARGET", OPTIONS["platform.dbt_target"])
    dag = load_dag("bronze_pipeline")
    gold = [t for t in dag.tasks if t.task_id.startswith("gold.")]
    models = {t.task_id for t in gold if t.task_id.endswith("_model_build")}
    assert models == {f"gold.{m['name']}_model_build" for m in manifest_models()}, "one build task per model"
    # Every task of the group waits for silver: the roots of the group follow the batch job.
    roots = [t for t in gold if not [u for u in t.upstream_task_ids if u.startswith("gold.")]]
    assert roots and all(t.upstream_task_ids >= {"bronze_to_silver"} for t in roots)
    fresh = {t.task_id for t in gold if t.task_id.endswith("_source")}
    assert "gold.silver_kinesis_orders_events_source" in fresh, "a fresh source's check runs before its models"
    assert (
        "gold.silver_kinesis_orders_events_source"
        in dag.get_task("gold.stg_order_events_model_build").upstream_task_ids
    )
    assert OPTIONS["platform.dbt_target"] == conftest.ENV, "the environment's own Athena target"


def test_the_gold_group_checks_a_sources_freshness_then_builds_its_model(silver, tmp_path):
    """One source and the model on it (make warehouse-test builds them all, without Airflow):
    its freshness check, then one dbt build of the model with its tests."""
    run = gold_dag(silver, tmp_path, ["+stg_watermarks"]).test(logical_date=None)
    assert states(run) == {
        "gold.silver_batch_watermarks_source": "success",
        "gold.stg_watermarks_model_build": "success",
    }


def test_a_failing_dbt_test_fails_its_task_and_alerts(silver, tmp_path, aws, moto):
    """A duplicate customer in silver: stg_customers' unique test fails, so does its task, the
    models built on it do not run, and the environment's topic gets the alert."""
    alerts = Alerts(aws)
    duplicate = os.path.join(silver, "rds/public/customers")
    subprocess.run(
        [
            os.path.join(WAREHOUSE, ".venv", "bin", "python"),
            "-c",
            "import sys, deltalake; t = deltalake.DeltaTable(sys.argv[1]).to_pyarrow_table(); "
            "deltalake.write_deltalake(sys.argv[1], t.slice(0, 1), mode='append')",
            duplicate,
        ],
        check=True,
    )
    dag = gold_dag(silver, tmp_path, select=["+dim_customers"])
    calls = Calls(moto)
    run = dag.test(logical_date=None)
    result = states(run)
    assert result["gold.stg_customers_model_build"] == "failed"
    assert result["gold.dim_customers_model_build"] == "upstream_failed"
    messages = [json.loads(m["Message"]) if m["Message"].startswith("{") else m["Message"] for m in alerts.received()]
    assert any("stg_customers_model_build" in str(m) for m in messages), messages
    # The alert is the DAGs' publisher -> topic edge: the execution role's policy allows it.
    calls.assert_allowed("sns:Publish")


def test_the_weekly_maintenance_runs_the_projects_iceberg_maintenance(tmp_path, silver):
    """Off Athena the macro only lists its statements: the run shows it reaches dbt and names
    each Iceberg model of gold."""
    from airflow.sdk import DAG

    from platform_lib import warehouse

    env = {"WAREHOUSE_SILVER": silver, "WAREHOUSE_DUCKDB": str(tmp_path / "warehouse.duckdb")}
    with DAG("m", start_date=datetime(2026, 1, 1), schedule=None):
        task = warehouse.maintenance(
            "iceberg_maintenance", project_dir=WAREHOUSE, dbt=DBT, target="local", env=env, append_env=True
        )
    assert task.macro_name == "iceberg_maintenance"
    result = subprocess.run(
        [
            DBT,
            "run-operation",
            "iceberg_maintenance",
            "--target",
            "local",
            "--profiles-dir",
            WAREHOUSE,
            "--target-path",
            str(tmp_path / "target"),
        ],
        cwd=WAREHOUSE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    iceberg = [
        f"{m['schema']}.{m['alias']}"
        for m in manifest_models()
        if m["config"]["materialized"] in ("table", "incremental") and m["config"].get("table_type") == "iceberg"
    ]
    assert iceberg, "the project has no Iceberg model to maintain"
    for name in iceberg:
        assert f"would run: optimize {name} rewrite data using bin_pack" in result.stdout, name
        assert f"would run: vacuum {name}" in result.stdout, name
