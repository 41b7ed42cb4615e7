"""The warehouse as each environment's Athena target sees it, offline: its docs generate against
moto's Glue, compiling every model and test for the target on the way (the relation cache and
is_incremental() ask Glue), and the compiled SQL passes the lint in Athena's dialect
(athena_lint.py)."""

import os
import subprocess

import athena_lint
import boto3
import pytest
import yaml

from tests.conftest import WAREHOUSE

with open(os.path.join(WAREHOUSE, "profiles.yml")) as f:
    OUTPUTS = yaml.safe_load(f)["dataplatform"]["outputs"]
ATHENA_TARGETS = sorted(name for name, o in OUTPUTS.items() if o["type"] == "athena")


def dbt(args, env):
    return subprocess.run(
        [os.path.join(WAREHOUSE, ".venv", "bin", "dbt"), *args, "--profiles-dir", WAREHOUSE],
        cwd=WAREHOUSE,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def aws(moto, monkeypatch):
    env = dict(os.environ, AWS_ENDPOINT_URL=moto, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    env.pop("AWS_PROFILE", None)
    return env


def the_environment(target, env):
    """What the environment's stacks create that dbt reads: the Glue databases of silver and
    gold (the profile's schema), and the dbt workgroup."""
    profile = OUTPUTS[target]
    session = boto3.Session(region_name=profile["region_name"], aws_access_key_id="test", aws_secret_access_key="test")
    glue = session.client("glue", endpoint_url=env["AWS_ENDPOINT_URL"])
    for database in (profile["schema"], profile["schema"].replace("_gold", "_silver")):
        if database not in [d["Name"] for d in glue.get_databases()["DatabaseList"]]:
            glue.create_database(DatabaseInput={"Name": database})
    athena = session.client("athena", endpoint_url=env["AWS_ENDPOINT_URL"])
    if profile["work_group"] not in [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]:
        athena.create_work_group(Name=profile["work_group"])


def test_each_athena_target_builds_its_environments_gold():
    assert ATHENA_TARGETS, "no Athena target: cmd/warehouse writes one per environment with silver"
    for target in ATHENA_TARGETS:
        assert OUTPUTS[target]["schema"] == f"{target}_gold"


@pytest.mark.parametrize("target", ATHENA_TARGETS)
def test_every_model_compiles_for_athena_and_passes_the_lint(target, aws, tmp_path):
    the_environment(target, aws)
    # docs generate compiles every node first, into the target path, then reads the catalog.
    docs = dbt(["docs", "generate", "--target", target, "--target-path", str(tmp_path)], aws)
    assert docs.returncode == 0, docs.stdout[-3000:]
    assert (tmp_path / "catalog.json").exists()
    statements = list((tmp_path / "compiled").rglob("*.sql"))
    assert len(statements) > 30, "models, their tests and unit tests"
    # The compiled SQL is Athena's: its sources in the environment's Glue databases.
    fct = next(p for p in statements if p.name == "fct_orders.sql").read_text()
    assert f'"awsdatacatalog"."{target}_gold"."stg_orders"' in fct
    assert athena_lint.lint(tmp_path / "compiled") == {}


@pytest.mark.parametrize(
    "sql, problem",
    [
        # What the local target's explode_map compiles to: DuckDB's unnest in the select list.
        ("select *, unnest(map_keys(rates)) as k from t", "UNNEST outside FROM or JOIN"),
        ("select a::bigint from t", "a :: cast"),
        ("select a from t where a ilike 'x%'", "ILIKE"),
        ("select {'a': 1} as s", "a struct literal"),
        ("select list_value(1, 2)", "function list_value()"),
        ("select * exclude (a) from t", "not Athena SQL"),
        ("select a from t qualify row_number() over (order by a) = 1", "not Athena SQL"),
    ],
)
def test_the_lint_refuses_what_athena_would(sql, problem):
    found = athena_lint.problems(sql)
    assert any(problem in p for p in found), found


def test_the_lint_passes_athenas_own_constructs():
    sql = "select e.k, cast(e.v as decimal(38, 10)) as v from t as src cross join unnest(src.m) as e (k, v)"
    assert athena_lint.problems(sql) == []
