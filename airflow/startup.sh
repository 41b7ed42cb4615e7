#!/bin/sh
# MWAA's startup script (StartupScriptS3Path): MWAA runs it on every container, before
# requirements.txt is installed and Airflow starts, within 5 minutes. It builds the virtual
# environment the warehouse's tasks run dbt from (docs/warehouse.md): dbt and Airflow pin
# different versions of shared libraries, so dbt is not in Airflow's environment. The web
# server runs no task and skips it. MWAA sources this script: no `set -e`, no exit.
#
# The pins are warehouse/uv.lock's, the versions the warehouse's tests ran with
# (dags/tests/test_requirements.py checks them).
DBT_VENV=/usr/local/airflow/dbt_venv

if [ "${MWAA_AIRFLOW_COMPONENT:-}" != "webserver" ]; then
  if python3 -m venv "$DBT_VENV" &&
    "$DBT_VENV/bin/pip" install --quiet --no-cache-dir "dbt-core==1.11.16" "dbt-athena==1.11.1"; then
    echo "startup: dbt in $DBT_VENV: $("$DBT_VENV/bin/dbt" --version | head -n 2 | tr '\n' ' ')"
  else
    # The warehouse's tasks then fail, and alert, with dbt missing: the log says why.
    echo "startup: could not build dbt's environment in $DBT_VENV" >&2
  fi
fi
