"""platform_smoke end to end in Airflow 3 (dag.test): canary orders written to a real PostgreSQL
as the smoke's own role, events put on moto's Kinesis, bronze written by the producers'
stand-ins (tests/producers.py), the batch job through the Databricks stub, silver, the history
and the serving view read through an Athena stand-in keyed by SQL pattern. Budgets here are
seconds, so that a late or missing stage is quick to see; their derivation from config is
config's test (SmokeStages)."""

import json
import re

import pytest

from platform_lib.smoke import STAGES
from tests import api_stub, athena_stub, conftest, iam, mwaa, postgres
from tests.pipeline import OPTIONS, Calls, load_dag, states
from tests.producers import NEVER, Producers

BUCKET = OPTIONS["platform.bronze_bucket"]
JOB = OPTIONS["platform.databricks_batch_job"]
# A stage's budget in these tests, but for the stage a case is about: generous, because
# dag.test runs one task at a time, so a stage read through Athena is checked only after the
# tasks before it, on a machine that may be busy. The late and missing cases give their stage
# a short one (budget()).
BUDGET = 60
SHORT = 8


def option(name):
    return OPTIONS[f"platform.{name}"]


def plan():
    from platform_lib import smoke

    return smoke.load_plan()


SILVER, GOLD = option("silver_database"), option("gold_database")
STREAMS = dict(item.split("=", 1) for item in option("kinesis_streams").split(","))
SECRET = option("smoke_secret")
ANALYST_WORKGROUP = option("analyst_workgroup")
NAMESPACE = option("smoke_metric_namespace")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The source database, on a real PostgreSQL server."""
    server = postgres.Server(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


@pytest.fixture
def smoke_env(monkeypatch, aws, source, tmp_path):
    """The environment the smoke runs in: its options (budgets of BUDGET seconds), the canary
    secret, a running DMS task, the streams, the bronze bucket and an API source."""
    from platform_lib import smoke, sources

    monkeypatch.setattr(smoke, "MIN_POLL_SECONDS", 0.2)
    # staging's stages (every one applies there), each with the tests' budget.
    assert tuple(smoke.parse_stages(option("smoke_stages"))) == STAGES
    budgets(monkeypatch)

    secrets, s3, kinesis, dms = aws("secretsmanager"), aws("s3"), aws("kinesis"), aws("dms")
    secrets.create_secret(Name=SECRET, SecretString=json.dumps(source.secret()))
    s3.create_bucket(Bucket=BUCKET)
    for name in STREAMS.values():
        kinesis.create_stream(StreamName=name, ShardCount=1)
    task_arn = dms.create_replication_task(
        ReplicationTaskIdentifier=option("dms_task_id"),
        SourceEndpointArn=f"arn:aws:dms:us-east-1:{conftest.ACCOUNT}:endpoint:source",
        TargetEndpointArn=f"arn:aws:dms:us-east-1:{conftest.ACCOUNT}:endpoint:target",
        ReplicationInstanceArn=f"arn:aws:dms:us-east-1:{conftest.ACCOUNT}:rep:instance",
        MigrationType="full-load-and-cdc",
        TableMappings="{}",
    )["ReplicationTask"]["ReplicationTaskArn"]
    dms.start_replication_task(ReplicationTaskArn=task_arn, StartReplicationTaskType="start-replication")

    api = plan()["api"]["source"]
    with api_stub.Server({"/rates": [api_stub.page({"data": {"currency": "USD", "rates": {"EUR": "0.9"}}})]}) as stub:
        path = tmp_path / "api_sources.json"
        path.write_text(
            json.dumps(
                {"generated": "by the test", "sources": [{"name": api, "url": stub.url + "/rates", "params": {}}]}
            )
        )
        monkeypatch.setattr(sources, "DEFAULT_FILE", str(path))
        yield {"s3": s3, "kinesis": kinesis, "dms": dms, "task_arn": task_arn}

    dms.stop_replication_task(ReplicationTaskArn=task_arn)
    dms.delete_replication_task(ReplicationTaskArn=task_arn)
    for name in STREAMS.values():
        kinesis.delete_stream(StreamName=name)
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=BUCKET)
    secrets.delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    source.run_sql("DELETE FROM public.test_change_log")


def budgets(monkeypatch, **short):
    """Sets each stage's budget: BUDGET, or the seconds given for a stage."""
    stages = ",".join(f"{s}={short.get(s, BUDGET)}" for s in STAGES)
    monkeypatch.setenv("AIRFLOW__PLATFORM__SMOKE_STAGES", stages)


def ids_in(sql):
    return re.findall(r"-?\d+|'[a-z0-9-]+'", sql.split(" IN (", 1)[1])


def lake_answers(workspace, source=None, silver_after=0.0):
    """The Athena stand-in's rules: silver answers once the batch job has run (and, given
    silver_after, that many seconds after the source's first marked change), the stream tables
    once Firehose delivered, gold hides the marker."""
    import time

    p = plan()
    db = p["database"]

    def job_ran():
        if not workspace.runs:
            return False
        if not silver_after:
            return True
        ((marked,),) = source.query("SELECT extract(epoch FROM min(at)) FROM public.test_change_log")
        return time.time() >= float(marked) + silver_after

    def current(sql):
        shipped = ids_in(sql)[0]
        return [[shipped, "smoke-shipped"]] if job_ran() else []

    rules = [
        (rf'"{SILVER}"\."{db["silverCurrent"]}" WHERE', current),
        (rf'"{SILVER}"\."{db["silverHistory"]}" WHERE', lambda sql: [[4 if job_ran() else 0]]),
        (rf'"{GOLD}"\."{db["servingView"]}" WHERE', lambda sql: [[0]]),
        (rf'"{SILVER}"\."{p["api"]["silverTable"]}" WHERE', lambda sql: [[1 if job_ran() else 0]]),
        (r"LIMIT 1$", lambda sql: []),
    ]
    for stream in p["streams"]:
        rules.append((rf'"{SILVER}"\."{stream["silverTable"]}" WHERE', lambda sql: [[len(ids_in(sql))]]))
    return rules


@pytest.fixture
def athena(monkeypatch, workspace):
    stand_in = athena_stub.Athena(lake_answers(workspace))
    with athena_stub.Server(stand_in) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", server.url)
        yield stand_in


def run(mark_success=None):
    dag = load_dag("platform_smoke")
    dag.get_task("bronze_to_silver").polling_period_seconds = 0.1
    return dag.test(logical_date=None, mark_success_pattern=mark_success)


def athena_calls(athena, access_key):
    """(action, workgroup ARN) of each Athena call signed with access_key: a call on a query is
    authorized on the query's workgroup."""
    region, account = OPTIONS["platform.region"], conftest.ACCOUNT
    out = []
    for key, action, resource in athena.calls:
        if key == access_key:
            workgroup = athena.queries[resource]["workgroup"] if resource in athena.queries else resource
            out.append((action, f"arn:aws:athena:{region}:{account}:workgroup/{workgroup}"))
    assert out, f"no Athena call signed with {access_key}"
    return out


def summary_of(dag_run):
    return dag_run.get_task_instance("summary").xcom_pull(task_ids="summary")


def test_every_stage_arrives_in_time(smoke_env, source, workspace, athena, aws, moto):
    workspace.add_job(JOB)
    calls = Calls(moto)
    with Producers(source, smoke_env["s3"], smoke_env["kinesis"], BUCKET, plan(), STREAMS):
        dag_run = run()
    assert set(states(dag_run).values()) == {"success"}, states(dag_run)
    lines = summary_of(dag_run)
    assert tuple(line.split(":")[0] for line in lines) == STAGES
    assert all("within its budget" in line for line in lines), lines
    # Nothing marked is left in the source; the history kept the changes (the change log here).
    assert source.query("SELECT count(*) FROM public.orders WHERE customer_id = -1") == [("0",)]
    # Each stage's latency is in the smoke's namespace.
    metrics = aws("cloudwatch").list_metrics(Namespace=NAMESPACE)
    assert {d["Value"] for m in metrics["Metrics"] if m["MetricName"] == "Latency" for d in m["Dimensions"]} == set(
        STAGES
    )
    # The readers' queries ran as the analyst role, in the analysts' workgroup.
    readers = [c for c in athena.calls if c[1] == "athena:StartQueryExecution" and c[2] == ANALYST_WORKGROUP]
    assert readers and all(c[0] != conftest.TASK_ACCESS_KEY for c in readers)
    # ... and again as dbt, in its workgroup: every silver table of the plan, both ways.
    read = [q["sql"] for q in athena.queries.values() if q["sql"].endswith("LIMIT 1")]
    silver_readers = plan()["readers"]["silver"]
    assert len(read) == 2 * len(silver_readers) and len(readers) == len(silver_readers)
    # Every Athena call is allowed on its workgroup: the execution role's in the dbt workgroup, the
    # analyst role's (the analysts' managed policy, which the smoke's role holds) in theirs.
    assert not iam.denied(athena_calls(athena, conftest.TASK_ACCESS_KEY), mwaa.execution_policy(conftest.ENV))
    analyst = {c[0] for c in readers}
    assert len(analyst) == 1
    analysts_policy = mwaa.managed_policy(conftest.ENV, "Analytics", "AnalystsPolicy")
    assert not iam.denied(athena_calls(athena, analyst.pop()), analysts_policy)
    calls.assert_allowed(
        "secretsmanager:GetSecretValue",
        "dms:DescribeReplicationTasks",
        "kinesis:PutRecords",
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "sts:AssumeRole",
        "cloudwatch:PutMetricData",
    )


def test_a_stage_that_never_arrives_fails_the_run_naming_it_and_cleans_up(
    smoke_env, source, workspace, athena, monkeypatch
):
    workspace.add_job(JOB)
    budgets(monkeypatch, stream_bronze=SHORT)
    never = plan()["streams"][0]["name"]
    with Producers(source, smoke_env["s3"], smoke_env["kinesis"], BUCKET, plan(), STREAMS, delays={never: NEVER}):
        dag_run = run()
    got = states(dag_run)
    assert got["arrive_stream_bronze"] == "failed"
    assert got["summary"] == "failed"
    assert got["clean_up"] == "success"
    report = dag_run.get_task_instance("arrive_stream_bronze").xcom_pull(task_ids="arrive_stream_bronze", key="arrival")
    assert report["outcome"] == "missing" and never in report["seen"], report
    # The other paths' bronze stages arrived: only the missing stage, and what waits on it, fail.
    for stage in ("database_bronze", "api_bronze"):
        ti = dag_run.get_task_instance(f"arrive_{stage}")
        assert ti.xcom_pull(task_ids=f"arrive_{stage}", key="arrival")["outcome"] == "arrived", stage
    # After the failed run, no marked row remains in the source.
    assert source.query("SELECT count(*) FROM public.orders WHERE customer_id = -1") == [("0",)]


def test_a_stage_that_arrives_late_fails_the_run(smoke_env, source, workspace, monkeypatch):
    workspace.add_job(JOB)
    budgets(monkeypatch, database_silver=SHORT)
    # Silver has the changes 1.5 budgets after marking: after the budget, before twice it.
    stand_in = athena_stub.Athena(lake_answers(workspace, source, silver_after=1.5 * SHORT))
    with athena_stub.Server(stand_in) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", server.url)
        with Producers(source, smoke_env["s3"], smoke_env["kinesis"], BUCKET, plan(), STREAMS):
            dag_run = run()
    got = states(dag_run)
    assert got["arrive_database_silver"] == "failed", got
    report = dag_run.get_task_instance("arrive_database_silver").xcom_pull(
        task_ids="arrive_database_silver", key="arrival"
    )
    assert report["outcome"] == "late" and report["latency"] > SHORT, report
    assert got["summary"] == "failed"


def test_a_stopped_dms_task_fails_at_once_and_writes_nothing(smoke_env, source, workspace, athena, aws):
    smoke_env["dms"].stop_replication_task(ReplicationTaskArn=smoke_env["task_arn"])
    dag_run = run()
    got = states(dag_run)
    assert got["preflight"] == "failed"
    assert got["mark_database"] == "upstream_failed" and got["mark_streams"] == "upstream_failed"
    assert source.query("SELECT count(*) FROM public.test_change_log") == [("0",)]
    smoke_env["dms"].start_replication_task(
        ReplicationTaskArn=smoke_env["task_arn"], StartReplicationTaskType="start-replication"
    )


def test_an_unreachable_database_is_one_clear_error_and_nothing_is_written(smoke_env, source, workspace, athena, aws):
    secret = source.secret()
    secret["port"] = 1  # nothing listens there
    aws("secretsmanager").put_secret_value(SecretId=SECRET, SecretString=json.dumps(secret))
    dag_run = run()
    got = states(dag_run)
    assert got["preflight"] == "failed"
    assert {got[t] for t in ("mark_database", "mark_streams", "ingest_api")} == {"upstream_failed"}
    assert got["clean_up"] == "success"  # nothing was marked, so nothing to clean
    assert source.query("SELECT count(*) FROM public.test_change_log") == [("0",)]
    assert smoke_env["s3"].list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_the_smokes_role_may_only_touch_canary_orders(source):
    """The one-time set-up (config/sources/smoke_setup.sql) as run on a real server: the role has
    no table privilege, its functions touch the canary customer's negative orders only, and the
    canary customer is the plan's marker (config.SmokeCanaryCustomerID)."""
    import psycopg2

    from platform_lib import canary

    marker = plan()["marker"]["customerId"]
    assert source.query(f"SELECT count(*) FROM public.customers WHERE customer_id = {marker}") == [("1",)]
    # An order of the canary customer with a non-negative ID: not one the smoke placed.
    source.run_sql("INSERT INTO public.orders VALUES (7, -1, 'new', 1, 'EUR', now(), now())")
    conn = canary.connect(json.dumps(source.secret()))
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT * FROM public.orders")
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.RaiseException, match="not negative"):
            cur.execute("SELECT platform_smoke.place_order(7)")
        with conn.cursor() as cur:
            cur.execute(
                "SELECT platform_smoke.ship_order(7), platform_smoke.cancel_order(7), platform_smoke.clear_orders()"
            )
            assert cur.fetchone() == (0, 0, 0), "an order with a non-negative id is never the smoke's"
    finally:
        conn.close()
        source.run_sql("DELETE FROM public.orders WHERE order_id = 7; DELETE FROM public.test_change_log")
