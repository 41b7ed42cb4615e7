"""The warehouse as each environment's Athena target sees it, offline: its docs generate against
moto's Glue, compiling every model and test for the target on the way (the relation cache and
is_incremental() ask Glue), and the compiled SQL, the sources' freshness queries included,
passes the lint in Athena's dialect (athena_lint.py)."""

import json
import os

import athena_lint
import boto3
import pytest
import yaml

from tests.conftest import WAREHOUSE, dbt

with open(os.path.join(WAREHOUSE, "profiles.yml")) as f:
    OUTPUTS = yaml.safe_load(f)["dataplatform"]["outputs"]
ATHENA_TARGETS = sorted(name for name, o in OUTPUTS.items() if o["type"] == "athena")


@pytest.fixture
def aws(moto, monkeypatch):
    """This process's AWS settings point at moto: dbt runs in it."""
    for name, value in {"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return dict(os.environ)


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
    paths = ["--target", target, "--target-path", str(tmp_path), "--log-path", str(tmp_path / "logs")]
    dbt("docs", "generate", *paths)
    assert (tmp_path / "catalog.json").exists()
    statements = list((tmp_path / "compiled").rglob("*.sql"))
    assert len(statements) > 30, "models, their tests and unit tests"
    # The compiled SQL is Athena's: its sources in the environment's Glue databases.
    fct = next(p for p in statements if p.name == "fct_orders.sql").read_text()
    assert f'"awsdatacatalog"."{target}_gold"."stg_orders"' in fct
    assert athena_lint.lint(tmp_path / "compiled") == {}
    # dbt compiles a source's freshness query only when it runs it: compiled here, each with
    # its source as this, and linted.
    freshness = dbt("compile", "--inline", freshness_queries(), *paths).results[0].node.compiled_code
    assert freshness.count("with source_query") == len(loaded_at_queries()) > 0
    assert f'"awsdatacatalog"."{target}_silver"."batch_tables_created"' in freshness
    assert athena_lint.problems(freshness) == []


def loaded_at_queries():
    """{(source, table): its freshness query} of the shipped manifest's sources that have one."""
    with open(os.path.join(WAREHOUSE, "manifest.json")) as f:
        sources = json.load(f)["sources"].values()
    return {(s["source_name"], s["name"]): s["loaded_at_query"] for s in sources if s.get("loaded_at_query")}


def freshness_queries():
    """Every source's freshness query as dbt runs it: its source as this, in dbt-core's
    collect_freshness_custom_sql, which neither dbt-athena nor dbt-duckdb overrides."""
    return ";\n".join(
        f"{{% set this = source('{source}', '{name}') %}}"
        f"with source_query as ({query}) select (select * from source_query) as max_loaded_at,"
        " {{ current_timestamp() }} as snapshotted_at"
        for (source, name), query in sorted(loaded_at_queries().items())
    )


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
