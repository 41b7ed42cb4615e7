"""bronze_pipeline: catalogs bronze, then runs the Databricks bronze-to-silver job.

1. crawl_bronze: for every bronze Glue crawler (platform.crawlers), start_<family> starts a
   crawl, or joins one already running, and wait_<family> waits in the triggerer until the
   crawler is ready again, failing unless its last crawl SUCCEEDED.
2. bronze_to_silver: only where the environment has Databricks (platform.databricks_batch_job
   is set): runs the jobs bundle's batch job by name with the Databricks provider, deferred
   while it runs. The connection databricks_default comes from Secrets Manager (docs/operations.md).
3. gold: after it, dbt builds the warehouse on the environment's Athena target, in one dbt
   build per run; a run and a test task per model and a task per fresh source report each
   node's outcome (platform_lib.warehouse).
"""

from datetime import datetime, timedelta

from airflow.sdk import dag, task, task_group

from platform_lib import alerts, batch_job, glue, settings, warehouse

CRAWLERS = settings.get_list(settings.CRAWLERS)
DATABRICKS_BATCH_JOB = settings.optional(settings.DATABRICKS_BATCH_JOB)
REGION = settings.get(settings.REGION)
GOLD = warehouse.configured()


def family_of(crawler):
    """The task-id part of a crawler <prefix>-<env>-bronze-<family>: its family."""
    return crawler.rsplit("-", 1)[-1]


@dag(
    dag_id="bronze_pipeline",
    schedule="0 2 * * *",  # after api_ingestion's midnight run has landed
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    # Scheduled to run unattended: Airflow 3 creates a DAG paused unless it says otherwise
    # ([core] dags_are_paused_at_creation, True; MWAA keeps it), and a paused DAG never runs.
    is_paused_upon_creation=False,
    default_args={
        "retries": 1,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": alerts.on_failure,
    },
    tags=["catalog", "bronze"] + (["databricks"] if DATABRICKS_BATCH_JOB else []),
    doc_md=__doc__,
)
def bronze_pipeline():
    @task_group(group_id="crawl_bronze")
    def crawl_bronze():
        for crawler in CRAWLERS:
            family = family_of(crawler)

            @task(task_id=f"start_{family}")
            def start(crawler=crawler):
                return glue.start_or_join(crawler, REGION)

            wait = glue.DeferrableGlueCrawlerSensor(
                task_id=f"wait_{family}",
                crawler_name=crawler,
                aws_conn_id=None,
                region_name=REGION,
                poll_interval=60,
                execution_timeout=timedelta(hours=1),
            )
            start() >> wait

    crawled = crawl_bronze()
    if DATABRICKS_BATCH_JOB:
        silver = batch_job.run(DATABRICKS_BATCH_JOB)
        crawled >> silver
    if DATABRICKS_BATCH_JOB and GOLD:
        silver >> warehouse.gold("gold", **GOLD, execution_timeout=timedelta(hours=1))


bronze_pipeline()
