"""The bundle's job definitions, checked without the Databricks CLI (which cannot run here):
each job of each target, with the target's variables substituted, passes the databricks-bundles
types (Job.from_dict refuses unknown fields), plus the type checks from_dict does not make, and
every task's entry point is in the wheel that `uv build` makes, taking the task's parameters."""

import configparser
import glob
import json
import os
import re
import subprocess
import zipfile

import pytest
from databricks.bundles.jobs import Job

from fixtures.bundle import JOB_FILES, JOBS, RESOURCES, VARIABLE, load, substitute

BUNDLE = load("databricks.yml")
TARGETS = load("targets.yml")["targets"]
# The speed layer's jobs: cmd/bundle copies them into the targets that have the speed layer.
SPEED = load("speed_layer.yml")["resources"]["jobs"]


def target_jobs(target):
    """Every job the target deploys: resources/*.yml's and its own (the speed layer's)."""
    return {**RESOURCES, **TARGETS[target].get("resources", {}).get("jobs", {})}


TARGET_JOBS = [(t, j) for t in sorted(TARGETS) for j in sorted(target_jobs(t))]
ALL_JOBS = {**RESOURCES, **SPEED}


def test_includes_are_the_targets_and_every_job_file():
    assert BUNDLE["include"] == ["targets.yml", "resources/*.yml"]
    assert [os.path.basename(f) for f in JOB_FILES] == ["bronze_to_silver.job.yml", "silver_maintenance.job.yml"]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_target_gives_exactly_the_declared_variables(target):
    assert set(TARGETS[target]["variables"]) == set(BUNDLE["variables"])


def test_every_referenced_variable_is_declared():
    text = "".join(open(f).read() for f in [*JOB_FILES, os.path.join(JOBS, "speed_layer.yml")])
    assert set(VARIABLE.findall(text)) <= set(BUNDLE["variables"])


def test_targets_hold_the_speed_layer_as_written():
    """targets.yml's speed jobs are jobs/speed_layer.yml's (make bundle-config copies them),
    in the production-mode targets whose environment has streams for it and in no other: the
    personal dev target never runs a continuous job."""
    for name, target in TARGETS.items():
        has_streams = json.loads(target["variables"]["streams"]) != []
        wanted = SPEED if has_streams and target["mode"] == "production" else {}
        assert target.get("resources", {}).get("jobs", {}) == wanted, name
    assert any(t.get("resources") for t in TARGETS.values()), "no target has the speed layer: nothing is checked"


@pytest.mark.parametrize("target, job", TARGET_JOBS, ids=[f"{t}-{j}" for t, j in TARGET_JOBS])
def test_jobs_pass_the_bundle_types(target, job):
    definition = target_jobs(target)[job]
    Job.from_dict(definition)  # with the ${var.*} references, as the CLI reads it
    resolved = substitute(definition, TARGETS[target]["variables"])
    typed = Job.from_dict(resolved)
    # What from_dict coerces or leaves unchecked.
    assert isinstance(resolved["max_concurrent_runs"], int) and resolved["max_concurrent_runs"] == 1
    assert isinstance(resolved["timeout_seconds"], int)
    emails = resolved["email_notifications"]["on_failure"]
    assert isinstance(emails, list) and emails and all(re.fullmatch(r"[^@\s]+@[^@\s]+", e) for e in emails)
    for cluster in resolved["job_clusters"]:
        new = cluster["new_cluster"]
        assert isinstance(new["num_workers"], int) and new["num_workers"] >= 1
        assert re.fullmatch(r"\d+\.\d+\.x-scala2\.13", new["spark_version"]), new["spark_version"]
        assert re.fullmatch(
            r"arn:aws:iam::\d{12}:instance-profile/[\w+=,.@-]+", new["aws_attributes"]["instance_profile_arn"]
        )
        assert new["spark_conf"]["spark.databricks.delta.properties.defaults.enableDeletionVectors"] == "true"
        # Every cluster has an access mode (an account with legacy features disabled refuses a
        # cluster without one, which has no isolation): dedicated, of whom the job runs as.
        assert new["data_security_mode"] == "SINGLE_USER"
        run_as = TARGETS[target].get("run_as", {}).get("service_principal_name", "${workspace.current_user.userName}")
        assert new["single_user_name"] == run_as
        # The environment's tags go onto the cluster's EC2 instances and volumes: a budget
        # filtered by the environment tag counts them (docs/costs-and-limits.md#budgets).
        tags = new["custom_tags"]
        assert tags["environment"] == TARGETS[target]["variables"]["environment"]
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()), tags
    for task in typed.tasks:
        assert task.job_cluster_key in {c["job_cluster_key"] for c in resolved["job_clusters"]}
        for value in resolved_task(resolved, task.task_key)["python_wheel_task"]["named_parameters"].values():
            # ${workspace.*} and ${bundle.*} are the CLI's to resolve; no ${var.*} may be left.
            assert isinstance(value, str) and "${var." not in value, f"{job}.{task.task_key}: {value!r}"


# Airflow's bronze_pipeline runs the batch job by name as the service principal of its Databricks
# connection (config's databricks.airflowServicePrincipal, the targets' airflow_service_principal).
# A job without permissions is visible and runnable only by its owner and admins. A bundle job's
# permissions: "level, with the name of the permission level ... Jobs: CAN_MANAGE,
# CAN_MANAGE_RUN, CAN_VIEW, and IS_OWNER", with "Either user_name, group_name, or
# service_principal_name" (https://docs.databricks.com/aws/en/dev-tools/bundles/permissions).
# CAN_MANAGE_RUN may "Run now" and "Cancel run", not "Edit job settings" (jobs access control,
# https://docs.databricks.com/aws/en/security/auth/access-control/#job-acls).
AIRFLOW_RUNS = {"bronze_to_silver"}


@pytest.mark.parametrize("target, job", TARGET_JOBS, ids=[f"{t}-{j}" for t, j in TARGET_JOBS])
def test_airflows_principal_may_run_the_batch_job_and_nothing_else(target, job):
    variables = TARGETS[target]["variables"]
    airflow = variables["airflow_service_principal"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", airflow), airflow
    resolved = substitute(target_jobs(target)[job], variables)
    want = [{"level": "CAN_MANAGE_RUN", "service_principal_name": airflow}] if job in AIRFLOW_RUNS else None
    assert resolved.get("permissions") == want
    if want:
        typed = Job.from_dict(resolved)
        assert [(p.level.value, p.service_principal_name) for p in typed.permissions] == [("CAN_MANAGE_RUN", airflow)]


def resolved_task(job, key):
    return next(t for t in job["tasks"] if t["task_key"] == key)


def test_the_speed_layer_runs_continuously_and_the_backfill_by_hand():
    assert SPEED["speed_layer"]["continuous"] == {"pause_status": "UNPAUSED"}
    assert "schedule" not in SPEED["speed_layer"] and "trigger" not in SPEED["speed_layer"]
    assert not {"continuous", "schedule", "trigger"} & set(SPEED["speed_backfill"])
    for job in SPEED.values():
        for task in job["tasks"]:
            assert task["python_wheel_task"]["named_parameters"]["reader"] == "autoloader"


def test_only_airflow_triggers_the_batch_job():
    assert "schedule" not in RESOURCES["bronze_to_silver"] and "trigger" not in RESOURCES["bronze_to_silver"]
    assert RESOURCES["bronze_to_silver"]["name"] == "${var.batch_job_name}"


def wheel_entry_points():
    wheels = glob.glob(os.path.join(JOBS, "dist", "*.whl"))
    assert len(wheels) == 1, "build the wheel first: make jobs-test runs uv build --wheel"
    with zipfile.ZipFile(wheels[0]) as whl:
        (name,) = [n for n in whl.namelist() if n.endswith(".dist-info/entry_points.txt")]
        parsed = configparser.ConfigParser()
        parsed.read_string(whl.read(name).decode())
    return dict(parsed["console_scripts"])


TASKS = [(job, t) for job, d in sorted(ALL_JOBS.items()) for t in d["tasks"]]


@pytest.mark.parametrize("job, task", TASKS, ids=[f"{j}.{t['task_key']}" for j, t in TASKS])
def test_every_task_entry_point_is_in_the_wheel_and_takes_its_parameters(job, task):
    wheel = task["python_wheel_task"]
    assert wheel["package_name"] == "dataplatform_jobs"
    assert task["libraries"] == [{"whl": "./dist/*.whl"}]
    assert wheel["entry_point"] in wheel_entry_points()
    usage = subprocess.run(
        [os.path.join(JOBS, ".venv", "bin", wheel["entry_point"]), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in wheel["named_parameters"]:
        assert f"--{name}" in usage, f"{job}.{task['task_key']}: {wheel['entry_point']} takes no --{name}"


JOB_TASKS = [(job, t) for job, d in sorted(ALL_JOBS.items()) if d.get("parameters") for t in d["tasks"]]


@pytest.mark.parametrize("job, task", JOB_TASKS, ids=[f"{j}.{t['task_key']}" for j, t in JOB_TASKS])
def test_every_task_takes_its_jobs_parameters(job, task):
    """Databricks passes a job's parameters to every wheel task with named parameters, so each
    task's entry point must accept them, used or not."""
    from dataplatform_jobs import entrypoints

    entry_point = task["python_wheel_task"]["entry_point"]
    options = entrypoints.arguments(getattr(entrypoints, entry_point))._option_string_actions
    for parameter in ALL_JOBS[job]["parameters"]:
        assert f"--{parameter['name']}" in options, (
            f"{job}.{task['task_key']}: {entry_point} refuses --{parameter['name']}"
        )
