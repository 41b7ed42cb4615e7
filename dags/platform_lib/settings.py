"""Platform settings that the CDK app passes to Airflow.

The Airflow stack sets MWAA configuration options such as ``platform.bronze_bucket``; MWAA
exposes each as an environment variable ``AIRFLOW__PLATFORM__BRONZE_BUCKET`` on every
component. DAGs read them here instead of hard-coding names.
"""

import os

# Option names, as stacks/airflow.go sets them (a DAG test reads them from the templates).
BRONZE_BUCKET = "bronze_bucket"
BRONZE_API_PREFIX = "bronze_api_prefix"
BRONZE_DATABASE = "bronze_database"
CRAWLERS = "crawlers"
DBT_WORKGROUP = "dbt_workgroup"
DATABRICKS_BATCH_JOB = "databricks_batch_job"
# Where the environment has silver: the dbt project (the warehouse, shipped into the DAG
# folder), the dbt of the virtual environment the startup script builds, and the target.
DBT_PROJECT_DIR = "dbt_project_dir"
DBT_EXECUTABLE = "dbt_executable"
DBT_TARGET = "dbt_target"
ALERT_TOPIC_ARN = "alert_topic_arn"
REGION = "region"
# The smoke run (platform_smoke): its stages and budgets ("name=seconds,..."), its schedule
# (cron, or none), the canary role's secret, the DMS task, the declared streams'
# Kinesis names ("declared=deployed,..."), the analyst role it queries as and that role's
# workgroup, the lake's databases and the smoke's CloudWatch namespace.
SMOKE_STAGES = "smoke_stages"
SMOKE_SCHEDULE = "smoke_schedule"
SMOKE_SECRET = "smoke_secret"
DMS_TASK = "dms_task_id"
KINESIS_STREAMS = "kinesis_streams"
SMOKE_ANALYST_ROLE = "smoke_analyst_role"
ANALYST_WORKGROUP = "analyst_workgroup"
SILVER_DATABASE = "silver_database"
GOLD_DATABASE = "gold_database"
SMOKE_METRIC_NAMESPACE = "smoke_metric_namespace"


class MissingSetting(KeyError):
    """A platform setting is not configured on this Airflow environment."""


def env_var(name):
    """The environment variable MWAA sets for configuration option ``platform.<name>``."""
    return "AIRFLOW__PLATFORM__" + name.upper()


def get(name, environ=None):
    """Returns the value of ``platform.<name>``, stripped; raises MissingSetting when unset."""
    value = optional(name, environ)
    if not value:
        raise MissingSetting(f"{env_var(name)} is not set: the Airflow stack passes platform.{name}")
    return value


def optional(name, environ=None):
    """Returns the value of ``platform.<name>``, or "" where the stack does not set it (such
    as the Databricks job of an environment whose Databricks is off)."""
    environ = os.environ if environ is None else environ
    return environ.get(env_var(name), "").strip()


def get_list(name, environ=None):
    """Returns a comma-separated setting as a list, in order, without empty items."""
    return [item.strip() for item in get(name, environ).split(",") if item.strip()]


def get_map(name, environ=None):
    """Returns a setting of comma-separated key=value pairs as a dict; "" gives {}."""
    pairs = {}
    for item in filter(None, (part.strip() for part in optional(name, environ).split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{env_var(name)}: {item!r} is not key=value")
        pairs[key.strip()] = value.strip()
    return pairs
