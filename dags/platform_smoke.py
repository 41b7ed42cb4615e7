"""platform_smoke: pushes marked data through every path of the platform and measures each stage.

Runs inside the environment, with the execution role's grants, and triggers what it waits for:
1. preflight: the DMS task is running and the source database answers as the smoke's role; a
   failure here names the cause and nothing is written.
2. mark_database (canary orders: insert, update, delete, as platform_smoke through the set-up's
   functions), mark_streams (canary events on every declared stream), ingest_api (one source).
3. arrive_<stage>: waits for the marked data where the stage looks (bronze's objects; silver,
   the history and the serving view through Athena), records its latency in CloudWatch and
   fails, naming the stage, when it misses its budget. bronze_to_silver (the batch job, by name)
   and the gold group run between the bronze and the silver stages.
4. readers: a non-personal column of every silver and gold table, as the smoke's analyst role
   in the analysts' workgroup and as the execution role in the dbt workgroup.
5. clean_up: deletes the canary orders from the source, whatever happened before.
6. summary: every stage's outcome, budget and latency; not applicable where the environment has
   no such component; fails naming the stages that failed.

Stages and budgets come from config (platform.smoke_stages); what to mark and where to look from
smoke_plan.json. docs/operations.md, "Smoke run".
"""

from datetime import datetime, timedelta

from airflow.sdk import dag, get_current_context, task

from platform_lib import alerts, batch_job, settings, smoke, warehouse

BUDGETS = smoke.configured()
PLAN = smoke.load_plan()
SCHEDULE = settings.optional(settings.SMOKE_SCHEDULE) or None
DATABRICKS_BATCH_JOB = settings.optional(settings.DATABRICKS_BATCH_JOB)
GOLD = warehouse.configured()
DATABASE = "database_bronze" in BUDGETS
STREAMS = "stream_bronze" in BUDGETS
API = "api_bronze" in BUDGETS
STARTED = "started"  # the XCom key mark_database pushes before its first write


def region():
    return settings.get(settings.REGION)


def client(service):
    import boto3

    return boto3.client(service, region_name=region())


def lake():
    from platform_lib.stage_checks import Lake

    return Lake(
        client("s3"),
        client("athena"),
        settings.get(settings.DBT_WORKGROUP),
        settings.get(settings.BRONZE_BUCKET),
        settings.optional(settings.SILVER_DATABASE),
        settings.optional(settings.GOLD_DATABASE),
    )


def database_connection():
    from platform_lib import canary

    secret = client("secretsmanager").get_secret_value(SecretId=settings.get(settings.SMOKE_SECRET))
    return canary.connect(secret["SecretString"])


def record(stage, arrival):
    """Puts the stage's latency metric, keeps its outcome for the summary, and fails the task
    unless it arrived in time."""
    smoke.put_latency(client("cloudwatch"), settings.get(settings.SMOKE_METRIC_NAMESPACE), arrival)
    get_current_context()["ti"].xcom_push(key="arrival", value=arrival.as_dict())
    if arrival.outcome != "arrived":
        raise smoke.StageMissed(arrival.report())
    return arrival.report()


def arrive(stage, marks_from):
    """The task that waits for stage, measured from the marking of the task marks_from."""

    @task(task_id=f"arrive_{stage}", execution_timeout=timedelta(seconds=smoke.LATE_FACTOR * BUDGETS[stage] + 600))
    def wait_for(marks):
        from platform_lib import stage_checks

        check = stage_checks.CHECKS[stage](lake(), PLAN, marks)
        return record(stage, smoke.wait(stage, BUDGETS[stage], marks["marked_at"], check))

    return wait_for(marks_from)


@dag(
    dag_id="platform_smoke",
    schedule=SCHEDULE,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    # Triggered by the deploy workflow and make smoke (or scheduled where config sets one): a
    # paused DAG's triggered runs never start.
    is_paused_upon_creation=False,
    # No retries: a stage's wait is the measurement, and a retry would mark again. A task's
    # timeout is its own where it waits (each arrive_<stage>, the batch job, the gold group).
    default_args={"retries": 0, "execution_timeout": timedelta(minutes=30), "on_failure_callback": alerts.on_failure},
    tags=["smoke"],
    doc_md=__doc__,
)
def platform_smoke():
    @task
    def preflight():
        """Fails at once, naming the cause, when a path cannot work: nothing is written then."""
        checked = []
        if DATABASE:
            task_id = settings.get(settings.DMS_TASK)
            tasks = client("dms").describe_replication_tasks(
                Filters=[{"Name": "replication-task-id", "Values": [task_id]}], WithoutSettings=True
            )["ReplicationTasks"]
            status = tasks[0]["Status"] if tasks else "missing"
            if status != "running":
                raise RuntimeError(
                    f"the DMS replication task {task_id} is {status}, not running: start it by hand "
                    "(docs/operations.md, 'Starting the DMS task'). Nothing was written."
                )
            database_connection().close()
            checked.append(f"DMS task {task_id} running, source database reachable")
        return checked or ["nothing to check: this environment's smoke writes no marked data"]

    checks = preflight()
    after_bronze, silver_stages, serving_stages, marks = [], [], [], {}

    if DATABASE:

        @task
        def mark_database():
            from platform_lib import canary

            conn = database_connection()
            get_current_context()["ti"].xcom_push(key=STARTED, value=True)
            ids = canary.order_ids()
            marked_at = canary.now().timestamp()
            changes = canary.mark_orders(conn, ids)
            conn.close()
            return {"marked_at": marked_at, "orders": ids, "changes": changes}

        marks["database"] = mark_database()
        checks >> marks["database"]
        after_bronze.append(arrive("database_bronze", marks["database"]))
        silver_stages += [arrive(s, marks["database"]) for s in ("database_silver", "database_history") if s in BUDGETS]
        if "database_serving" in BUDGETS:
            serving_stages.append(arrive("database_serving", marks["database"]))

    if STREAMS:

        @task
        def mark_streams():
            from platform_lib import canary

            kinesis = client("kinesis")
            deployed = settings.get_map(settings.KINESIS_STREAMS)
            now = canary.now()
            # One canary order ID for the run: the events of a stream keyed like the served
            # table carry it, and the run's event IDs are made from it.
            order_id = canary.order_ids(now.timestamp())[0]
            db = PLAN.get("database") or {}
            marker = {
                "column": db.get("markerColumn"),
                "customerId": PLAN["marker"]["customerId"],
                "keyColumn": (db.get("key") or [None])[0],
                "orderId": order_id,
            }
            events = {}
            for stream in PLAN["streams"]:
                ids = canary.event_ids(PLAN["marker"]["eventIdPrefix"], -order_id, 2)
                canary.put_events(
                    kinesis, deployed[stream["name"]], [canary.event(stream, marker, i, now) for i in ids]
                )
                events[stream["name"]] = ids
            return {"marked_at": now.timestamp(), "events": events, "orders": [order_id]}

        marks["streams"] = mark_streams()
        checks >> marks["streams"]
        stream_bronze = arrive("stream_bronze", marks["streams"])
        if "stream_silver" in BUDGETS:
            stream_silver = arrive("stream_silver", marks["streams"])
            stream_bronze >> stream_silver
            if "stream_serving" in BUDGETS:
                serving_stages.append(arrive("stream_serving", marks["streams"]))
                stream_silver >> serving_stages[-1]

    if API:

        @task
        def ingest_api():
            from platform_lib import bronze, canary, ingest, sources

            (source,) = [s for s in sources.load() if s.name == PLAN["api"]["source"]]
            marked_at = canary.now().timestamp()
            day = bronze.run_day(get_current_context()["dag_run"])
            return {"marked_at": marked_at, "day": day.isoformat(), **ingest.pull(source, day)}

        marks["api"] = ingest_api()
        checks >> marks["api"]
        after_bronze.append(arrive("api_bronze", marks["api"]))
        if "api_silver" in BUDGETS:
            silver_stages.append(arrive("api_silver", marks["api"]))

    last = silver_stages + serving_stages
    if DATABRICKS_BATCH_JOB and (DATABASE or API):
        silver = batch_job.run(DATABRICKS_BATCH_JOB)
        after_bronze >> silver >> silver_stages
        refreshed = silver
        if GOLD:
            refreshed = warehouse.gold("gold", **GOLD, execution_timeout=timedelta(hours=1))
            silver >> refreshed
        refreshed >> [s for s in serving_stages if s.operator.task_id == "arrive_database_serving"]
        last = [refreshed, *last]

    if "readers" in BUDGETS:

        @task(trigger_rule="all_done")
        def readers():
            import time

            import boto3

            from platform_lib import stage_checks

            role = client("sts").assume_role(
                RoleArn=settings.get(settings.SMOKE_ANALYST_ROLE), RoleSessionName="platform-smoke"
            )["Credentials"]
            athena = boto3.client(
                "athena",
                region_name=region(),
                aws_access_key_id=role["AccessKeyId"],
                aws_secret_access_key=role["SecretAccessKey"],
                aws_session_token=role["SessionToken"],
            )
            # Silver has tables where the batch job fills them, gold where dbt builds it.
            databases = {}
            if DATABRICKS_BATCH_JOB:
                databases["silver"] = settings.get(settings.SILVER_DATABASE)
            if GOLD:
                databases["gold"] = settings.get(settings.GOLD_DATABASE)
            start = time.time()
            # As an analyst in theirs, and as dbt (the execution role) in the dbt workgroup.
            analysts = stage_checks.readers(athena, settings.get(settings.ANALYST_WORKGROUP), PLAN, databases)
            dbt = stage_checks.readers(client("athena"), settings.get(settings.DBT_WORKGROUP), PLAN, databases)
            answered = analysts[0] and dbt[0]
            seen = f"analysts: {analysts[1]}; dbt: {dbt[1]}"
            took = round(time.time() - start, 1)
            budget = BUDGETS["readers"]
            outcome = "missing" if not answered else "arrived" if took <= budget else "late"
            return record("readers", smoke.Arrival("readers", budget, outcome, took if answered else None, seen))

        last = [*last, readers()]
        if len(last) > 1:
            last[:-1] >> last[-1]

    @task(trigger_rule="all_done")
    def clean_up():
        """Deletes the canary orders in the source (CDC then removes them from silver's current
        table; the history keeps them under the marker). Events stay under the marker."""
        if not DATABASE:
            return "nothing marked in the source"
        context = get_current_context()
        if not context["ti"].xcom_pull(task_ids="mark_database", key=STARTED):
            return "nothing marked in the source: mark_database did not start"
        from platform_lib import canary

        conn = database_connection()
        cleared = canary.clear_orders(conn)
        left = canary.canary_orders(conn)
        conn.close()
        if left:
            raise RuntimeError(f"canary orders left in the source after clean-up: {left}")
        return f"deleted {cleared} canary orders"

    @task(trigger_rule="all_done")
    def summary():
        ti = get_current_context()["ti"]
        arrivals = {}
        for stage in BUDGETS:
            found = ti.xcom_pull(task_ids=f"arrive_{stage}" if stage != "readers" else "readers", key="arrival")
            if found:
                arrivals[stage] = found
        lines, failed = smoke.summary(BUDGETS, arrivals)
        report = "\n".join(lines)
        print(report)
        if failed:
            raise smoke.StageMissed(f"smoke stages failed: {', '.join(failed)}\n{report}")
        return lines

    cleaned = clean_up()
    everything = [checks, *marks.values(), *after_bronze, *last]
    everything >> cleaned >> summary()


platform_smoke()
