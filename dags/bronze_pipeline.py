"""bronze_pipeline: catalogs bronze, then runs the Databricks bronze-to-silver job.

1. crawl_bronze: starts every bronze Glue crawler (names from platform.crawlers) and waits
   until each has succeeded; a crawler already running is joined, not restarted.
2. databricks_job: runs the Databricks job whose ID is the Airflow Variable
   databricks_bronze_job_id, with the workspace URL and token from the secret named by
   platform.databricks_secret; skipped while the Variable is unset.
3. dbt_on_athena: the seam for building gold with dbt on Athena (workgroup
   platform.dbt_workgroup); today a no-op marker task.
"""

from datetime import datetime, timedelta

from airflow.decorators import dag, task, task_group
from airflow.operators.empty import EmptyOperator

from platform_lib import settings

DATABRICKS_JOB_VARIABLE = "databricks_bronze_job_id"


def crawler_names():
    """Crawler names from the environment, or none while parsing outside MWAA."""
    try:
        return settings.get_list(settings.CRAWLERS)
    except settings.MissingSetting:
        return []


@dag(
    dag_id="bronze_pipeline",
    schedule="0 2 * * *",  # after api_ingestion's midnight run has landed
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["catalog", "databricks", "bronze"],
    doc_md=__doc__,
)
def bronze_pipeline():
    @task_group(group_id="crawl_bronze")
    def crawl_bronze():
        for name in crawler_names():

            @task(task_id=f"crawl_{name.replace('-', '_')}", execution_timeout=timedelta(hours=1))
            def crawl(name=name):
                import boto3

                from platform_lib import crawlers

                return crawlers.run(boto3.client("glue", region_name=settings.get(settings.REGION)), name)

            crawl()

    @task(task_id="databricks_job", execution_timeout=timedelta(hours=6))
    def databricks_job():
        import boto3
        import requests
        from airflow.exceptions import AirflowSkipException
        from airflow.models import Variable

        from platform_lib import databricks

        job_id = databricks.parse_job_id(Variable.get(DATABRICKS_JOB_VARIABLE, default_var=None))
        if job_id is None:
            raise AirflowSkipException(f"Airflow Variable {DATABRICKS_JOB_VARIABLE} is not set")
        secrets = boto3.client("secretsmanager", region_name=settings.get(settings.REGION))
        host, token = databricks.credentials(secrets, settings.get(settings.DATABRICKS_SECRET))
        with requests.Session() as session:
            run_id = databricks.run_now(session, host, token, job_id)
            return databricks.wait_for_run(session, host, token, run_id)

    @task_group(group_id="dbt_on_athena")
    def dbt_on_athena():
        # Seam for the dbt step: replace this marker with `dbt build` against the Athena
        # workgroup in platform.dbt_workgroup (the execution role may already query it).
        EmptyOperator(task_id="build_gold", trigger_rule="none_failed")

    crawl_bronze() >> databricks_job() >> dbt_on_athena()


bronze_pipeline()
