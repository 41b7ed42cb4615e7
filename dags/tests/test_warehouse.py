"""The warehouse's task group (platform_lib.warehouse) in Airflow 3 (dag.test), with cosmos and
the real dbt: the warehouse's own environment (warehouse/.venv), its local target over the
pipeline's silver (make pipeline, which make dag-test runs first). On MWAA the same group runs
the startup script's dbt on the environment's Athena target, its watchers deferred."""

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests import conftest
from tests.pipeline import OPTIONS, Alerts, Calls, load_dag, states

WAREHOUSE = os.path.join(conftest.mwaa.REPO, "warehouse")
DBT = os.path.join(WAREHOUSE, ".venv", "bin", "dbt")


def manifest_nodes(kind):
    """The project's nodes of a kind, from the manifest the gold group renders its tasks from
    (warehouse/manifest.json): what the team declared, not the sample's names."""
    with open(os.path.join(WAREHOUSE, "manifest.json")) as f:
        return [n for n in json.load(f)["nodes"].values() if n["resource_type"] == kind]


def manifest_models():
    return manifest_nodes("model")


def manifest_tests():
    return manifest_nodes("test")


def parents(node):
    return node["depends_on"]["nodes"]


def by_id(unique_id):
    """A model's or source's task-group name: <model> or <source>_<table>."""
    kind, _, rest = unique_id.split(".", 2)
    return rest.replace(".", "_") if kind == "source" else rest


def names(unique_ids):
    return {by_id(u) for u in unique_ids}


def upstream_of(dag, task_id):
    """Every task before task_id."""
    seen, todo = set(), [task_id]
    while todo:
        for u in dag.get_task(todo.pop()).upstream_task_ids - seen:
            seen.add(u)
            todo.append(u)
    return seen


def elapse_retry_delays(monkeypatch):
    """Lets a task waiting for its retry run at once, as if its retry_delay had passed, and
    records that delay per task: dag.test would otherwise wait it out in real time."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.state import TaskInstanceState

    waited = {}

    def ready_for_retry(ti):
        if ti.state != TaskInstanceState.UP_FOR_RETRY:
            return False
        waited[ti.task_id] = ti.next_retry_datetime() - ti.end_date
        return True

    monkeypatch.setattr(TaskInstance, "ready_for_retry", ready_for_retry)
    return waited


def all_received(alerts):
    """Every alert published so far."""
    received, batch = [], alerts.received()
    while batch:
        received += batch
        batch = alerts.received()
    return received


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
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG

from platform_lib import alerts, warehouse

with DAG("gold_only", start_date=datetime(2026, 1, 1), schedule=None,
         default_args={{"on_failure_callback": alerts.on_failure, "retries": {retries!r},
                        "retry_delay": timedelta(seconds={delay!r})}}):
    warehouse.gold("gold", project_dir={project!r}, dbt={dbt!r}, target="local", select={select!r},
                   env={env!r}, append_env=True, **{sensors!r})
"""

# dag.test runs one task at a time, and in a task group the producer is not upstream of the
# tasks that watch it: a deferred sensor that starts first runs its trigger in line and waits
# for a producer that never starts. Here they poke once and give the slot back (reschedule),
# so the producer runs; MWAA runs the deferred path (cosmos's default), in the triggerer. The
# timeout ends a sensor that would wait for ever.
SENSORS = {"deferrable": False, "mode": "reschedule", "poke_interval": 1, "timeout": 300}


def real_retries():
    """retries and retry_delay of the DAG the gold group runs in, as deployed."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=os.path.join(conftest.DAGS, "bronze_pipeline.py"), include_examples=False).get_dag(
        "bronze_pipeline"
    )
    return dag.default_args["retries"], dag.default_args["retry_delay"]


def gold_dag(silver, tmp_path, select, retries=0, retry_delay=timedelta(0)):
    """A DAG of only the gold group, for the part of the project select names, on the local
    target, alerting as every DAG does; stored in the metadata database as the DAG processor
    would, which dag.test needs. Its dbt records each command line in dbt_calls(tmp_path)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    folder = tmp_path / "dags"
    folder.mkdir()
    dbt = tmp_path / "dbt"
    dbt.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "dbt-calls"}\nexec {DBT} "$@"\n')
    dbt.chmod(0o755)
    env = {"WAREHOUSE_SILVER": silver, "WAREHOUSE_DUCKDB": str(tmp_path / "warehouse.duckdb")}
    (folder / "gold_only.py").write_text(
        GOLD_DAG.format(
            project=WAREHOUSE,
            dbt=str(dbt),
            select=list(select),
            env=env,
            retries=retries,
            delay=retry_delay.total_seconds(),
            sensors=SENSORS,
        )
    )
    bag = DagBag(dag_folder=str(folder), include_examples=False)
    assert bag.import_errors == {}
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    return bag.get_dag("gold_only")


def dbt_calls(tmp_path):
    """The dbt commands the group ran, in order: build, test, source freshness, ..."""
    with open(tmp_path / "dbt-calls") as f:
        words = [line.split() for line in f if not line.startswith("--")]
    return [" ".join(w[:2] if w[0] == "source" else w[:1]) for w in words]


def group_of(dag):
    return [t for t in dag.tasks if t.task_id.startswith("gold.")]


def producer_of(gold):
    from cosmos.operators.watcher import DbtProducerWatcherOperator

    return [t for t in gold if isinstance(t, DbtProducerWatcherOperator)]


def test_bronze_pipeline_builds_gold_after_the_batch_job(monkeypatch):
    from cosmos.operators._watcher.base import BaseConsumerSensor

    from platform_lib import alerts, warehouse

    monkeypatch.setenv("AIRFLOW__PLATFORM__DBT_TARGET", OPTIONS["platform.dbt_target"])
    dag = load_dag("bronze_pipeline")
    gold = group_of(dag)
    tasks = {t.task_id: t for t in gold}
    models = manifest_models()
    # A test task per model with tests of its own (a test with two parents has its own task).
    tested = {p for n in manifest_tests() if len(parents(n)) == 1 for p in parents(n) if p.startswith("model.")}
    # cosmos groups a tested model's run and test (<model>.run); an untested one is a task alone.
    run_task = {m["unique_id"]: f"gold.{m['name']}" + (".run" if m["unique_id"] in tested else "_run") for m in models}
    assert {t for t in tasks if t.endswith((".run", "_run"))} == set(run_task.values()), "a run task per model"
    assert {t for t in tasks if t.endswith(".test") and t.rsplit(".", 2)[-2] in names(tested)} == {
        f"gold.{m['name']}.test" for m in models if m["unique_id"] in tested
    }, "a test task per tested model"
    # One dbt build for the whole group: one producer, the others only watch it, deferred to
    # the triggerer on MWAA.
    producers = producer_of(gold)
    assert [t.task_id for t in producers] == ["gold.dbt_producer_watcher"]
    (producer,) = producers
    watchers = [t for t in gold if isinstance(t, BaseConsumerSensor)]
    assert watchers and all(t.deferrable for t in watchers)
    assert len(watchers) + 2 == len(gold), "every other task but the producer's gate watches it"
    # Every task of the group waits for silver: the roots of the group follow the batch job.
    roots = [t for t in gold if not [u for u in t.upstream_task_ids if u.startswith("gold.")]]
    assert producer in roots and all(t.upstream_task_ids >= {"bronze_to_silver"} for t in roots)
    # A failed test stops what depends on it: each model's run waits for its parents' tests.
    for m in models:
        for parent in m["depends_on"]["nodes"]:
            if parent in tested:
                assert f"gold.{by_id(parent)}.test" in tasks[run_task[m["unique_id"]]].upstream_task_ids
    # A fresh source's check runs before its models.
    fresh = {t for t in tasks if t.endswith(".source") or t.endswith("_source")}
    assert "gold.silver_kinesis_orders_events.source" in fresh
    assert "gold.silver_kinesis_orders_events.source" in upstream_of(dag, "gold.stg_order_events.run")
    # Freshness: an error fails, a warning lets the models run.
    assert producer._freshness_callback is warehouse.stale_sources
    # One alert per failure: the watchers alert, the producer does not (what stops it, they report).
    assert all(alerts.on_failure in t.on_failure_callback for t in watchers)
    assert alerts.on_failure not in (producer.on_failure_callback or [])
    assert OPTIONS["platform.dbt_target"] == conftest.ENV, "the environment's own Athena target"


def test_a_test_with_two_parents_has_its_own_result(monkeypatch):
    """A relationship's task watches its own result, and its parents' test tasks do not wait
    for it (cosmos counts it among both parents' tests and reports nothing under its name)."""
    monkeypatch.setenv("AIRFLOW__PLATFORM__DBT_TARGET", OPTIONS["platform.dbt_target"])
    dag = load_dag("bronze_pipeline")
    gold = group_of(dag)
    (producer,) = producer_of(gold)
    shared = [n for n in manifest_tests() if len([p for p in parents(n) if p.startswith("model.")]) > 1]
    assert shared, "the project has no test with two parents"
    for test in shared:
        (task,) = [t for t in gold if getattr(t, "model_unique_id", None) == test["unique_id"]]
        assert producer.tests_per_model[test["unique_id"]] == [test["unique_id"]], task.task_id
        for parent in parents(test):
            assert test["unique_id"] not in producer.tests_per_model.get(parent, []), parent
            assert f"gold.{by_id(parent)}.test" in task.upstream_task_ids


def test_the_gold_group_checks_a_sources_freshness_then_builds_its_model(silver, tmp_path):
    """One source and the model on it (make warehouse-test builds them all, without Airflow):
    its freshness check, then one dbt build, each reported to its task."""
    run = gold_dag(silver, tmp_path, ["+stg_watermarks"]).test(logical_date=None)
    assert states(run) == {
        "gold.dbt_producer_watcher": "success",
        "gold.dbt_producer_watcher_done": "success",
        "gold.silver_batch_watermarks_source": "success",
        "gold.stg_watermarks.run": "success",
        "gold.stg_watermarks.test": "success",
    }
    assert dbt_calls(tmp_path) == ["source freshness", "build"]


def test_a_failing_dbt_test_fails_its_task_and_alerts_once(silver, tmp_path, aws, moto, monkeypatch):
    """A change of an order without its time in silver: stg_order_changes' not_null test
    fails, so does its test task, the models built on it do not run, the other branches do,
    and the environment's topic gets one alert, naming the model. With the DAG's own retries:
    the producer's retry only skips, and the test task's retry fails again, from the
    producer's report or, once the producer is done, by running the model's tests itself."""
    retries, retry_delay = real_retries()
    assert retries > 0, "the case is about retries"
    waited = elapse_retry_delays(monkeypatch)
    alerts = Alerts(aws)
    subprocess.run(
        [
            os.path.join(WAREHOUSE, ".venv", "bin", "python"),
            "-c",
            # Read as the local target reads silver (its plugin: deltalake's scan, which applies
            # deletion vectors), then one row appended with deltalake, which writes to a table
            # with the deletionVectors feature.
            "import sys, deltalake, pyarrow as pa; p = sys.argv[1]; sys.path.insert(0, sys.argv[2]); "
            "import pyarrow.compute as pc; from silver_delta import read; t = read(p); "
            # Not the smoke run's marked orders (negative IDs), which the staging models drop.
            "t = t.filter(pc.greater_equal(t['order_id'], 0)); "
            "row = t.slice(0, 1); i = row.schema.get_field_index; "
            "row = row.set_column(i('updated_at'), 'updated_at', pa.nulls(1, row.schema.field('updated_at').type)); "
            "row = row.set_column(i('Op'), 'Op', pa.array(['U'], row.schema.field('Op').type)); "
            "deltalake.write_deltalake(p, row, mode='append')",
            os.path.join(silver, "rds/public/orders_history"),
            os.path.join(WAREHOUSE, "duckdb_plugins"),
        ],
        check=True,
    )
    dag = gold_dag(silver, tmp_path, ["+order_status_changes"], retries, retry_delay)
    calls = Calls(moto)
    result = states(dag.test(logical_date=None))
    assert {t for t, s in result.items() if s == "failed"} == {"gold.stg_order_changes.test"}, result
    for stopped in ("order_status_changes.run", "order_status_changes.test"):
        assert result[f"gold.{stopped}"] == "upstream_failed", stopped
    for other in ("stg_order_events.run", "stg_order_events.test", "stg_watermarks.test", "order_status_stream_run"):
        assert result[f"gold.{other}"] == "success", other
    assert result["gold.dbt_producer_watcher"] == "skipped", "the producer's retry only skips"
    assert dbt_calls(tmp_path).count("build") == 1, dbt_calls(tmp_path)
    subjects = [m["Subject"] for m in all_received(alerts)]
    assert subjects == ["Airflow gold_only: task gold.stg_order_changes.test failed"], subjects
    # Each task that failed waited the DAG's retry delay (elapsed here) before its retry.
    assert waited and set(waited.values()) == {retry_delay}, waited
    # The alert is the DAGs' publisher -> topic edge: the execution role's policy allows it.
    calls.assert_allowed("sns:Publish")


def test_a_stale_source_stops_its_models_and_a_warning_does_not():
    """The producer's freshness callback: an error (or a failed check) stops every node built
    on the source, also those with a fresh parent, as in local mode, where each waits for all
    its sources' checks; a warning stops nothing (cosmos's default skips, and alerts nobody)."""
    from cosmos.constants import DbtResourceType
    from cosmos.dbt.graph import DbtNode

    from platform_lib import warehouse

    def node(uid, *deps):
        kind = DbtResourceType(uid.split(".")[0])
        return DbtNode(uid, kind, list(deps), path_base=Path("."), original_file_path=Path("x.sql"))

    nodes = {
        n.unique_id: n
        for n in [
            node("source.p.s.stale"),
            node("source.p.s.fresh"),
            node("model.p.stg_stale", "source.p.s.stale"),
            node("model.p.stg_fresh", "source.p.s.fresh"),
            node("model.p.mart", "model.p.stg_stale", "model.p.stg_fresh"),
            node("test.p.unique_mart", "model.p.mart"),
        ]
    }

    def stopped(status):
        results = {"results": [{"unique_id": "source.p.s.stale", "status": status}]}
        return warehouse.stale_sources({}, None, None, nodes, results)

    assert stopped("error") == [("model.p.mart", "failed"), ("model.p.stg_stale", "failed")]
    assert stopped("runtime error") == stopped("error")
    assert stopped("warn") == [] and stopped("pass") == []


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
