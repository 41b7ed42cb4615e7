"""gold_maintenance: weekly, the Iceberg maintenance of gold (dbt's iceberg_maintenance on the
environment's Athena target): OPTIMIZE compacts the small files each incremental merge leaves,
VACUUM expires old snapshots and removes the files none needs. Only where the environment has
silver, and so gold (platform.dbt_target is set)."""

from datetime import datetime, timedelta

from airflow.sdk import dag

from platform_lib import alerts, warehouse

GOLD = warehouse.configured()

if GOLD:

    @dag(
        dag_id="gold_maintenance",
        schedule="0 5 * * 0",  # Sundays, after the night's bronze_pipeline and Databricks' own maintenance
        start_date=datetime(2024, 1, 1),
        catchup=False,
        max_active_runs=1,
        # Scheduled to run unattended: Airflow 3 creates a DAG paused unless it says otherwise
        # ([core] dags_are_paused_at_creation, True; MWAA keeps it), and a paused DAG never runs.
        is_paused_upon_creation=False,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=30), "on_failure_callback": alerts.on_failure},
        tags=["dbt", "gold"],
        doc_md=__doc__,
    )
    def gold_maintenance():
        warehouse.maintenance("iceberg_maintenance", **GOLD, execution_timeout=timedelta(hours=2))

    gold_maintenance()
