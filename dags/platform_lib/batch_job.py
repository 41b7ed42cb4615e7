"""The task that runs the jobs bundle's batch job (bronze to silver) by name: bronze_pipeline's
nightly and platform_smoke's, the same way."""

from datetime import timedelta

from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator


def run(job_name, task_id="bronze_to_silver"):
    """Runs job_name through the connection databricks_default (Secrets Manager,
    docs/operations.md), deferred while it runs."""
    return DatabricksRunNowOperator(
        task_id=task_id,
        job_name=job_name,
        databricks_conn_id="databricks_default",
        # The day the api_ingestion run of this day wrote (platform_lib.bronze.run_day): the job
        # types that day's API records. A manual run has no logical date.
        job_parameters={"day": "{{ (dag_run.logical_date or dag_run.run_after).strftime('%Y-%m-%d') }}"},
        deferrable=True,
        polling_period_seconds=60,
        execution_timeout=timedelta(hours=6),
        # A retry after the timeout would start a second run while the first goes on in
        # Databricks; the job's own retry policy (in the bundle) retries its tasks instead.
        retries=0,
    )
