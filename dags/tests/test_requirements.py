"""MWAA installs airflow/requirements.txt: it must hold exactly what the DAG tests ran with."""

import os
import re
import subprocess
import tomllib

from tests import mwaa
from tests.mwaa import ENVIRONMENTS, REPO

DAGS = os.path.join(REPO, "dags")


def locked():
    with open(os.path.join(DAGS, "uv.lock"), "rb") as f:
        return {p["name"]: p["version"] for p in tomllib.load(f)["package"] if "version" in p}


def requirements():
    with open(os.path.join(REPO, "airflow", "requirements.txt"), encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    constraint = [line for line in lines if line.startswith("--constraint")]
    pins = dict(
        re.fullmatch(r"([a-z0-9-]+)(?:\[[a-z0-9,-]+\])?==([0-9.]+)", line).groups()
        for line in lines
        if not line.startswith("--")
    )
    return constraint, pins


def test_every_requirement_is_pinned_to_the_tested_version():
    _, pins = requirements()
    lock = locked()
    assert pins, "requirements.txt pins nothing"
    for name, version in pins.items():
        assert lock.get(name) == version, f"requirements.txt pins {name}=={version}; the DAG tests ran {lock.get(name)}"


def test_the_constraints_are_those_of_the_tested_airflow():
    (constraint,), _ = requirements()
    airflow = locked()["apache-airflow"]
    # MWAA's Airflow 3 images run Python 3.12 and use Airflow's constraints for it.
    assert (
        constraint
        == f'--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-{airflow}/constraints-3.12.txt"'
    )


def test_every_provider_the_dags_import_is_installed_on_mwaa():
    # The image ships amazon (and standard, common-sql, http, celery); the rest must be listed.
    imported = set()
    for name in (
        "api_ingestion.py",
        "bronze_pipeline.py",
        *(os.path.join("platform_lib", f) for f in os.listdir(os.path.join(DAGS, "platform_lib"))),
    ):
        with open(os.path.join(DAGS, name), encoding="utf-8") as f:
            imported |= set(re.findall(r"airflow\.providers\.([a-z_]+)", f.read()))
    _, pins = requirements()
    shipped = {"amazon", "standard", "common_sql", "http", "celery"}
    for provider in imported - shipped:
        assert f"apache-airflow-providers-{provider.replace('_', '-')}" in pins, provider


def startup_script():
    with open(os.path.join(REPO, "airflow", "startup.sh"), encoding="utf-8") as f:
        return f.read()


def test_the_startup_scripts_dbt_is_the_warehouses():
    """airflow/startup.sh installs exactly what warehouse/uv.lock locks for dbt-core and
    dbt-athena (uv export of the project without its local group), the versions the warehouse's
    tests ran: make warehouse-config writes them."""
    exported = subprocess.run(
        [
            os.path.join(REPO, ".uv", "bin", "uv"),
            "export",
            "--project",
            os.path.join(REPO, "warehouse"),
            "--frozen",
            "--no-default-groups",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--no-annotate",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pins = re.search(r"# BEGIN dbt pins\n(.*?)# END dbt pins", startup_script(), re.S)[1]
    assert pins == exported, "airflow/startup.sh's pins are stale: run make warehouse-config"
    assert re.search(r"^dbt-athena==", pins, re.M) and re.search(r"^dbt-core==", pins, re.M)
    assert "duckdb" not in pins, "the local target's packages stay on this machine"


def test_the_startup_scripts_dbt_is_the_one_the_dag_runs():
    venv = re.search(r"^DBT_VENV=(\S+)$", startup_script(), re.M)[1]
    for env in ENVIRONMENTS:
        options = mwaa.options(env)
        if "platform.dbt_executable" in options:
            assert options["platform.dbt_executable"] == venv + "/bin/dbt", env
