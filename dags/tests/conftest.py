"""One Airflow 3 home (SQLite metadata database) and one moto server per test session.

Airflow reads its configuration from the environment, so it is set here, before anything
imports Airflow. The moto server is rehearsal.motoserver (moto plus the rehearsal's fixes) run
by the rehearsal project's interpreter (MOTO_PYTHON, set by make dag-test), with request
recording on for the IAM test. Tasks sign their AWS calls with TASK_ACCESS_KEY and the tests'
own setup with SETUP_ACCESS_KEY, so the recording tells the two apart.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile

import pytest

from tests import databricks_stub, mwaa

ENV = "staging"  # Databricks is on in staging: every task of every DAG exists
TASK_ACCESS_KEY = "AKIDAIRFLOWTASKS"
SETUP_ACCESS_KEY = "AKIDTESTSETUP"
DAGS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOME = tempfile.mkdtemp(prefix="airflow-home-")
atexit.register(shutil.rmtree, HOME, ignore_errors=True)
os.environ.update(
    {
        "AIRFLOW_HOME": HOME,
        "AIRFLOW__CORE__DAGS_FOLDER": DAGS,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME}/airflow.db",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": f"{HOME}/logs",
        "AWS_ACCESS_KEY_ID": TASK_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": mwaa.options(ENV)["platform.region"],
    }
)
for key in [k for k in os.environ if k.startswith("AIRFLOW__PLATFORM__")]:
    del os.environ[key]
# The MWAA options of the environment under test, as MWAA sets them.
os.environ.update(mwaa.environ(ENV))
# But the warehouse's dbt project is warehouse/ here (what the stack ships into dags/dbt/), and
# its dbt warehouse/.venv's. The gold group is rendered only by the tests that ask for it
# (test_warehouse.py): elsewhere it would run dbt on Athena after every bronze_pipeline run.
WAREHOUSE = os.path.join(mwaa.REPO, "warehouse")
LOCAL_DBT = {
    "AIRFLOW__PLATFORM__DBT_PROJECT_DIR": WAREHOUSE,
    "AIRFLOW__PLATFORM__DBT_EXECUTABLE": os.path.join(WAREHOUSE, ".venv", "bin", "dbt"),
}
os.environ.update(LOCAL_DBT)
del os.environ["AIRFLOW__PLATFORM__DBT_TARGET"]
sys.path.insert(0, mwaa.REPO)  # rehearsal.emulator: stdlib only

ACCOUNT = mwaa.options(ENV)["platform.alert_topic_arn"].split(":")[4]


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """The moto server every test's AWS calls go to; yields (endpoint, recording path)."""
    from rehearsal import emulator

    python = os.environ.get("MOTO_PYTHON")
    if not python:
        pytest.fail("MOTO_PYTHON is not set: run the DAG tests with `make dag-test`")
    work = tmp_path_factory.mktemp("moto")
    recording = str(work / "recording.jsonl")
    env = {"MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": recording}
    with emulator.Server(str(work / "moto.log"), account=ACCOUNT, python=python, env=env) as server:
        os.environ["AWS_ENDPOINT_URL"] = server.endpoint
        yield server.endpoint, recording
        del os.environ["AWS_ENDPOINT_URL"]


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    """Creates the metadata database once."""
    from airflow.utils import db

    db.resetdb(skip_init=False)


@pytest.fixture(scope="session", autouse=True)
def one_execution_api(airflow_db):
    """One in-process Execution API for every task that dag.test runs, as MWAA has one API server.

    dag.test runs each task (and each resumption after a deferral) through
    InProcessTestSupervisor, which builds a new in-process Execution API app per task; cadwyn
    generates the app's versioned routers at its first request, about 2.5 s of CPU each time,
    most of a bronze_pipeline run's time. The app keeps no state between requests (the metadata
    database does), and dag.test runs one task at a time, so each task's client still sets its
    own DAG bag on it (InProcessTestSupervisor._api_client).
    """
    from airflow.sdk.execution_time import supervisor

    api = supervisor.in_process_api_server()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(supervisor, "in_process_api_server", lambda: api)
        yield


@pytest.fixture(scope="session")
def dagbag(airflow_db, moto):
    """Every DAG file of dags/, parsed as the DAG processor would."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS, include_examples=False)


@pytest.fixture
def aws(moto):
    """A boto3 factory for the tests' own setup calls, signed as SETUP_ACCESS_KEY."""
    import boto3

    session = boto3.session.Session(aws_access_key_id=SETUP_ACCESS_KEY, aws_secret_access_key="test")
    return lambda service: session.client(service, endpoint_url=moto[0], region_name=os.environ["AWS_DEFAULT_REGION"])


@pytest.fixture
def workspace(aws):
    """A Databricks stub and the databricks_default connection pointing at it, stored where
    operators put it: <connections prefix>/databricks_default."""
    ws = databricks_stub.Workspace(page_size=1)
    with databricks_stub.Server(ws) as server:
        secrets = aws("secretsmanager")
        name = f"{connections_prefix()}/databricks_default"
        secrets.create_secret(
            Name=name,
            SecretString=json.dumps(
                {
                    "conn_type": "databricks",
                    "host": "127.0.0.1",
                    "port": server.port,
                    "schema": "http",
                    "password": databricks_stub.TOKEN,
                }
            ),
        )
        yield ws
        secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def connections_prefix():
    """Where the Secrets Manager backend looks for connections (secrets.backend_kwargs)."""
    return json.loads(mwaa.options(ENV)["secrets.backend_kwargs"])["connections_prefix"]
