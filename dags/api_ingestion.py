"""api_ingestion: pulls each public HTTP API of api_sources.json once a day into bronze.

Each source lands at s3://<bronze>/api/<source>/dt=<day>/<source>.json as JSON Lines, in one
PUT after every page has been fetched and validated: a failed pull writes nothing. The day is
the run's logical date, or run_after for a manual run (bronze.run_day), so a retry or a
re-run of a day overwrites that day's object. All logic lives in platform_lib (ingest.pull).
"""

from datetime import datetime, timedelta

from airflow.sdk import dag, get_current_context, task

from platform_lib import alerts
from platform_lib import sources as api_sources

SOURCES = api_sources.load()


@dag(
    dag_id="api_ingestion",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    # Scheduled to run unattended: Airflow 3 creates a DAG paused unless it says otherwise
    # ([core] dags_are_paused_at_creation, True; MWAA keeps it), and a paused DAG never runs.
    is_paused_upon_creation=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": alerts.on_failure,
    },
    tags=["ingestion", "bronze"],
    doc_md=__doc__,
)
def api_ingestion():
    for source in SOURCES:

        @task(task_id=f"ingest_{source.name}")
        def ingest(source=source):
            from platform_lib.bronze import run_day
            from platform_lib.ingest import pull

            return pull(source, run_day(get_current_context()["dag_run"]))

        ingest()


api_ingestion()
