"""bronze_pipeline end to end in Airflow 3 (dag.test): the crawlers on moto's Glue, with the
provider's deferrable trigger (aiobotocore) polling moto's server, and the Databricks job
through the real DatabricksRunNowOperator against a loopback Jobs API stub. The Databricks
connection comes from Secrets Manager through the backend the Airflow stack configures."""

import os

import pytest
import yaml

from tests import conftest
from tests.pipeline import OPTIONS, Alerts, Calls, load_dag, states

CRAWLERS = OPTIONS["platform.crawlers"].split(",")
JOB = OPTIONS["platform.databricks_batch_job"]
FAMILIES = [c.rsplit("-", 1)[-1] for c in CRAWLERS]


@pytest.fixture
def glue(aws):
    client = aws("glue")
    for name in CRAWLERS:
        client.create_crawler(
            Name=name,
            Role=f"arn:aws:iam::{conftest.ACCOUNT}:role/crawler",
            DatabaseName=OPTIONS["platform.bronze_database"],
            Targets={"S3Targets": [{"Path": f"s3://{OPTIONS['platform.bronze_bucket']}/{name}/"}]},
        )
    yield client
    for name in CRAWLERS:
        client.delete_crawler(Name=name)


# What a case is not about is marked successful instead of run (dag.test's mark_success_pattern):
# the whole DAG runs once, in test_crawls_then_runs_the_job_by_name.
CRAWLS = r"crawl_bronze\..*"
JOB_TASK = "bronze_to_silver"


def run(mark_success=None):
    dag = load_dag("bronze_pipeline")
    # A crawl ends at the first GetCrawler after its start, a job run at its second runs/get:
    # a short poll keeps the waits short.
    for family in FAMILIES:
        dag.get_task(f"crawl_bronze.wait_{family}").poll_interval = 0.1
    dag.get_task("bronze_to_silver").polling_period_seconds = 0.1
    return dag.test(logical_date=None, mark_success_pattern=mark_success)


def crawl_ids(family):
    return [f"crawl_bronze.start_{family}", f"crawl_bronze.wait_{family}"]


def test_crawls_then_runs_the_job_by_name(glue, workspace, moto):
    workspace.add_job(JOB.upper())  # the API's name filter matches it too, on the first page
    job_id = workspace.add_job(JOB, outcome="SUCCESS")
    calls = Calls(moto)
    dag_run = run()
    assert set(states(dag_run).values()) == {"success"}, states(dag_run)
    for name in CRAWLERS:
        assert glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"
    (run_,) = workspace.runs.values()
    assert run_["job_id"] == job_id
    # The job types the API records of the run's day (a manual run: the day it ran for).
    assert run_["params"]["job_parameters"] == {"day": dag_run.run_after.strftime("%Y-%m-%d")}
    # The name was looked up page by page (one job per page here).
    assert workspace.requests.count(("GET", "/api/2.2/jobs/list")) == 2
    calls.assert_allowed("glue:StartCrawler", "glue:GetCrawler", "secretsmanager:GetSecretValue")


def test_the_job_name_is_the_bundles():
    """Airflow looks the job up by the name the bundle's staging target deploys it under."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "jobs", "targets.yml")) as f:
        targets = yaml.safe_load(f)["targets"]
    assert JOB == targets["staging"]["variables"]["batch_job_name"]
    assert targets["staging"]["mode"] == "production", "only production mode keeps the name as it is"


def test_a_failed_job_run_fails_the_task_and_alerts(workspace, aws, moto):
    workspace.add_job(JOB, outcome="FAILED")
    alerts = Alerts(aws)
    calls = Calls(moto)
    dag_run = run(mark_success=CRAWLS)
    assert states(dag_run)["bronze_to_silver"] == "failed"
    assert ("GET", "/api/2.2/jobs/runs/get-output") in workspace.requests
    (alert,) = alerts.received()
    assert alert["Subject"] == "Airflow bronze_pipeline: task bronze_to_silver failed"
    # The crawls' calls are checked where they run (test_crawls_then_runs_the_job_by_name).
    calls.assert_allowed("secretsmanager:GetSecretValue", "sns:Publish")


def test_no_job_of_that_name_fails_clearly(workspace, aws):
    workspace.add_job("some other job")
    alerts = Alerts(aws)
    dag_run = run(mark_success=CRAWLS)
    assert states(dag_run)["bronze_to_silver"] == "failed"
    assert workspace.runs == {}
    assert len(alerts.received()) == 1


def test_a_crawler_already_running_is_joined(glue):
    glue.start_crawler(Name=CRAWLERS[0])  # a scheduled crawl, say
    dag_run = run(mark_success=JOB_TASK)
    assert set(states(dag_run).values()) == {"success"}, states(dag_run)
    for family, how in [(FAMILIES[0], "joined"), (FAMILIES[1], "started")]:
        task_id = f"crawl_bronze.start_{family}"
        assert dag_run.get_task_instance(task_id).xcom_pull(task_ids=task_id) == how
