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
        *(os.path.join("platform_lib", f) for f in os.listdir(os.path.join(DAGS, "platform_lib")) if f.endswith(".py")),
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
    venv = re.search(r"^DBT_VENV=\$\{DBT_VENV:-(\S+)\}$", startup_script(), re.M)[1]
    for env in ENVIRONMENTS:
        options = mwaa.options(env)
        if "platform.dbt_executable" in options:
            assert options["platform.dbt_executable"] == venv + "/bin/dbt", env


# Stand-ins for MWAA's python3 and what it builds. `python3 -m venv DIR` makes DIR/bin/pip;
# that pip records each install (a copy of its requirements file, then its PIP_USER and
# arguments) and makes DIR/bin/dbt, unless FAIL_PIP makes it fail half-way, as a broken
# download does.
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = --version ]; then echo "Python 3.12.10"; exit 0; fi
[ "$1 $2" = "-m venv" ] || exit 64
mkdir -p "$3/bin" && cp "$FAKES/pip" "$3/bin/pip"
"""
FAKE_PIP = """#!/bin/sh
record="$LOG/install-$(ls "$LOG" | wc -l)"
for arg; do [ "$previous" = --requirement ] && cp "$arg" "$record"; previous=$arg; done
echo "PIP_USER=$PIP_USER $*" >>"$record"
[ -z "$FAIL_PIP" ] || exit 1
cp "$FAKES/dbt" "$(dirname "$0")/dbt"
"""
FAKE_DBT = """#!/bin/sh
printf 'Core:\\n  - installed: 1.11.16\\n'
"""


def start_container(tmp_path, component="worker", **env):
    """Sources airflow/startup.sh as MWAA does, in a temporary HOME with the stand-in python3;
    returns what it printed and the installs it ran."""
    home, log, fakes = tmp_path / "home", tmp_path / "installs", tmp_path / "fakes"
    for d in (home, log, fakes):
        d.mkdir(exist_ok=True)
    for name, text in {"python3": FAKE_PYTHON, "pip": FAKE_PIP, "dbt": FAKE_DBT}.items():
        (fakes / name).write_text(text)
        (fakes / name).chmod(0o755)
    result = subprocess.run(
        ["sh", "-c", ". " + os.path.join(REPO, "airflow", "startup.sh")],
        env={
            "PATH": f"{fakes}:{os.environ['PATH']}",
            "HOME": str(home),
            "DBT_VENV": str(home / "dbt_venv"),
            "FAKES": str(fakes),
            "LOG": str(log),
            "MWAA_AIRFLOW_COMPONENT": component,
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr, [p.read_text() for p in sorted(log.iterdir())]


def test_the_startup_script_builds_dbt_once_per_pins(tmp_path):
    """MWAA gives the startup script 5 minutes on every container: a dbt environment already
    built from the same pins with the same Python is reused, not installed again."""
    pins = re.search(r"# BEGIN dbt pins\n.*?# END dbt pins\n", startup_script(), re.S)[0]
    venv = tmp_path / "home" / "dbt_venv"

    out, installs = start_container(tmp_path)
    assert len(installs) == 1, out
    assert installs[0].startswith(pins), "it installs the script's pins"
    assert "PIP_USER=false install --quiet --no-cache-dir --requirement" in installs[0]
    assert f"startup: dbt in {venv}: Core:" in out

    out, installs = start_container(tmp_path)
    assert len(installs) == 1, f"the second start installed dbt again: {out}"
    assert f"startup: dbt in {venv} is already built from these pins: not reinstalled" in out

    # Other pins, or another Python: the stamp differs, and the old environment goes first.
    (venv / ".startup-stamp").write_text("Python 3.12.10 0000\n")
    (venv / "stale").write_text("")
    out, installs = start_container(tmp_path)
    assert len(installs) == 2 and not (venv / "stale").exists(), out


def test_a_half_built_dbt_environment_is_built_again(tmp_path):
    out, installs = start_container(tmp_path, FAIL_PIP="1")
    assert len(installs) == 1 and "startup: could not build dbt's environment" in out
    out, installs = start_container(tmp_path)
    assert len(installs) == 2, f"a failed install passed for a built one: {out}"
    assert "not reinstalled" not in out


def test_the_web_server_builds_no_dbt(tmp_path):
    assert start_container(tmp_path, component="webserver") == ("", [])
