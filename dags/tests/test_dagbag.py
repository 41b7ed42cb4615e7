"""Every DAG file imports in Airflow 3 with the MWAA options each environment's stack sets."""

import pytest

from tests import mwaa
from tests.conftest import DAGS, LOCAL_DBT

# Options no environment with MWAA has today, derived from one that has: staging's with
# Databricks off, as develop's were before MWAA went off there (no batch job, no dbt, and the
# smoke's bronze stages and readers only).
DATABRICKS_OPTIONS = (
    "platform.databricks_batch_job",
    "platform.dbt_executable",
    "platform.dbt_project_dir",
    "platform.dbt_target",
)
VARIANTS = {
    "staging-databricks-off": lambda: {
        **{k: v for k, v in mwaa.options("staging").items() if k not in DATABRICKS_OPTIONS},
        "platform.smoke_stages": ",".join(
            stage
            for stage in mwaa.options("staging")["platform.smoke_stages"].split(",")
            if stage.split("=")[0].endswith("_bronze") or stage.startswith("readers=")
        ),
    },
}


def options(env):
    """The MWAA options of env, an environment with MWAA or one of VARIANTS."""
    return VARIANTS[env]() if env in VARIANTS else mwaa.options(env)


def environ(env):
    return {"AIRFLOW__" + key.replace(".", "__").upper(): value for key, value in options(env).items()}


def test_environments_without_mwaa_say_so():
    """staging and production keep MWAA; an environment with it off (develop) has no Airflow
    stack, and asking for its options says why instead of failing on a missing file."""
    assert {"staging", "production"} <= set(mwaa.ENVIRONMENTS)
    for env in set(mwaa.ALL_ENVIRONMENTS) - set(mwaa.ENVIRONMENTS):
        with pytest.raises(mwaa.NoAirflow, match=f"^{env} has MWAA off"):
            mwaa.options(env)


@pytest.mark.parametrize("env", mwaa.ENVIRONMENTS + tuple(VARIANTS))
def test_every_dag_imports_with_no_errors(env, monkeypatch, airflow_db):
    """Every DAG file, parsed with the MWAA options env's stack sets (and nothing else's)."""
    from airflow.dag_processing.dagbag import DagBag

    for key, value in {**environ(env), **LOCAL_DBT}.items():
        monkeypatch.setenv(key, value)
    for option in ("DATABRICKS_BATCH_JOB", "DBT_TARGET"):
        if f"AIRFLOW__PLATFORM__{option}" not in environ(env):
            monkeypatch.delenv(f"AIRFLOW__PLATFORM__{option}", raising=False)
    bag = DagBag(dag_folder=DAGS, include_examples=False)
    assert bag.import_errors == {}
    # gold_maintenance only where there is gold to maintain.
    gold = {"gold_maintenance"} if "platform.dbt_target" in options(env) else set()
    assert set(bag.dag_ids) == {"api_ingestion", "bronze_pipeline", "platform_smoke"} | gold
    assert_smoke_stages_are_configs(env, bag.get_dag("platform_smoke"))
    pipeline = bag.get_dag("bronze_pipeline")
    databricks = "bronze_to_silver" in pipeline.task_ids
    # Decided from config when the DAG is parsed: no task where Databricks is off, nor gold.
    assert databricks == ("platform.databricks_batch_job" in options(env)), env
    gold = any(t.startswith("gold.") for t in pipeline.task_ids)
    assert gold == databricks, env
    assert_scheduled_dags_are_created_running(env, bag)


def assert_smoke_stages_are_configs(env, smoke):
    """platform_smoke has a task per stage config gives the environment and none for the others
    (where Databricks is off: no silver stage, no batch job), and is scheduled only where
    config sets a schedule (production)."""
    from platform_lib.smoke import STAGES, parse_stages

    stages = parse_stages(options(env)["platform.smoke_stages"])
    waits = {t.removeprefix("arrive_") for t in smoke.task_ids if t.startswith("arrive_")}
    assert waits | {"readers"} == set(stages) | {"readers"}, env
    assert ("readers" in smoke.task_ids) == ("readers" in stages)
    assert set(stages) <= set(STAGES)
    assert ("bronze_to_silver" in smoke.task_ids) == ("platform.databricks_batch_job" in options(env))
    assert smoke.timetable.can_be_scheduled == ("platform.smoke_schedule" in options(env)), env
    writes = any(s.startswith(("database_", "stream_")) for s in stages)
    assert (
        {"mark_database", "mark_streams"} <= set(smoke.task_ids)
        if writes
        else not {"mark_database", "mark_streams"} & set(smoke.task_ids)
    )


def assert_scheduled_dags_are_created_running(env, bag):
    """A new MWAA creates each DAG as its DAG processor serializes it: paused unless the DAG says
    otherwise. Airflow creates the DAG's row with is_paused = is_paused_upon_creation when that
    is set, else with [core] dags_are_paused_at_creation (airflow/dag_processing/collection.py,
    _create_orm_dags), which is True in Airflow 3 and which MWAA's 3.2.1 image keeps (and no
    option of the stack changes). A paused DAG is never scheduled, so every DAG decides, and a
    scheduled one is created running: bronze_pipeline, api_ingestion and gold_maintenance run
    from the first deploy with nobody unpausing them (docs/airflow.md)."""
    from airflow.serialization.serialized_objects import LazyDeserializedDAG

    assert "core.dags_are_paused_at_creation" not in options(env), "decided per DAG, not per environment"
    scheduled = []
    for dag_id, dag in bag.dags.items():
        # What the scheduler's side reads: the serialized DAG, not the parsed object.
        created_paused = LazyDeserializedDAG.from_dag(dag).is_paused_upon_creation
        assert created_paused is not None, f"{env}: {dag_id} leaves it to [core] dags_are_paused_at_creation (True)"
        if dag.timetable.can_be_scheduled:
            scheduled.append(dag_id)
            assert created_paused is False, f"{env}: {dag_id} is scheduled but created paused: it would never run"
    assert scheduled, f"{env}: no scheduled DAG was checked"


def test_the_pipeline_crawls_each_crawler_then_runs_the_job(dagbag):
    pipeline = dagbag.get_dag("bronze_pipeline")
    families = ["rds", "kinesis", "api"]
    for family in families:
        start, wait = (
            pipeline.get_task(f"crawl_bronze.start_{family}"),
            pipeline.get_task(f"crawl_bronze.wait_{family}"),
        )
        assert start.downstream_task_ids == {wait.task_id}
        assert wait.downstream_task_ids == {"bronze_to_silver"}
    job = pipeline.get_task("bronze_to_silver")
    assert job.deferrable
    assert job.json["job_name"] == mwaa.options("staging")["platform.databricks_batch_job"]


def test_every_task_has_a_timeout_and_alerts_on_failure(dagbag):
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            assert task.execution_timeout is not None, task.task_id
            assert task.on_failure_callback, task.task_id
