#!/bin/sh
# MWAA's startup script (StartupScriptS3Path): MWAA runs it on every container, before
# requirements.txt is installed and Airflow starts, within 5 minutes. It builds the virtual
# environment the warehouse's tasks run dbt from (docs/warehouse.md): dbt and Airflow pin
# different versions of shared libraries, so dbt is not in Airflow's environment. The web
# server runs no task and skips it. MWAA sources this script: no `set -e`, no exit.
#
# The pins below are every package dbt-core and dbt-athena need, at warehouse/uv.lock's
# versions, the ones the warehouse's tests ran with: make warehouse-config writes them (uv
# export), and dags/tests/test_requirements.py checks they are current.
#
# The build takes 22-27 s here (docs/warehouse.md). A virtual environment left by an earlier
# run with the same pins and the same Python is reused: the stamp, written last, says it is
# complete and what it holds. DBT_VENV is set only by the tests; on MWAA it is the default,
# the path the stack gives the DAGs (platform.dbt_executable).
DBT_VENV=${DBT_VENV:-/usr/local/airflow/dbt_venv}

if [ "${MWAA_AIRFLOW_COMPONENT:-}" != "webserver" ]; then
  pins=$(mktemp)
  cat >"$pins" <<'PINS'
# BEGIN dbt pins
agate==1.9.1
annotated-types==0.8.0
attrs==26.1.0
babel==2.19.0
boto3==1.44.8
boto3-stubs==1.43.126
botocore==1.44.8
botocore-stubs==1.43.126
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
colorama==0.4.6
daff==1.4.2
dbt-adapters==1.24.5
dbt-athena==1.11.1
dbt-common==1.39.0
dbt-core==1.11.16
dbt-extractor==0.6.0
dbt-protos==1.0.615
dbt-semantic-interfaces==0.9.0
deepdiff==8.6.2
fsspec==2026.9.0
idna==3.20
importlib-metadata==8.9.0
isodate==0.7.2
jinja2==3.1.6
jmespath==1.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
leather==0.4.1
markupsafe==3.0.4
mashumaro==3.14
mmh3==4.1.0
more-itertools==10.8.0
msgpack==1.2.4
mypy-boto3-athena==1.43.0
mypy-boto3-glue==1.43.118
mypy-boto3-lakeformation==1.43.113
mypy-boto3-sts==1.43.94
networkx==3.6.1 ; python_full_version < '3.12'
networkx==3.7 ; python_full_version >= '3.12'
opentelemetry-api==1.45.2
orderly-set==5.5.0
packaging==26.4
parsedatetime==2.6
pathspec==0.12.1
protobuf==6.33.6
pyathena==3.34.0
pydantic==2.14.4
pydantic-core==2.50.5
python-dateutil==2.9.0.post0
python-slugify==9.2.0
pytimeparse==1.1.10
pytz==2026.6
pyyaml==6.0.4
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
s3transfer==0.19.3
six==1.17.0
snowplow-tracker==1.1.0
sqlparse==0.6.1
tenacity==9.2.1
text-unidecode==1.3
types-s3transfer==0.19.3
typing-extensions==4.16.0
typing-inspection==0.4.5
tzdata==2026.6 ; sys_platform == 'win32'
urllib3==2.8.0
zipp==4.1.2
# END dbt pins
PINS
  stamp="$(python3 --version 2>&1) $(sha256sum "$pins" | cut -d ' ' -f 1)"
  if [ -x "$DBT_VENV/bin/dbt" ] && [ "$(cat "$DBT_VENV/.startup-stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "startup: dbt in $DBT_VENV is already built from these pins: not reinstalled"
  # A half-built or stale environment is removed first. MWAA installs Python packages for its
  # user by default; a virtual environment has no user site.
  elif rm -rf "$DBT_VENV" && python3 -m venv "$DBT_VENV" &&
    PIP_USER=false "$DBT_VENV/bin/pip" install --quiet --no-cache-dir --requirement "$pins" &&
    echo "$stamp" >"$DBT_VENV/.startup-stamp"; then
    echo "startup: dbt in $DBT_VENV: $("$DBT_VENV/bin/dbt" --version | head -n 2 | tr '\n' ' ')"
  else
    # The warehouse's tasks then fail, and alert, with dbt missing: the log says why.
    echo "startup: could not build dbt's environment in $DBT_VENV" >&2
  fi
  rm -f "$pins"
fi
