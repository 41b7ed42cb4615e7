"""Every AWS call a build of the warehouse makes on Athena, checked against the MWAA execution
role's policy, as the DAG tests check their tasks' calls (dags/tests/pipeline.py, Calls).

Compiling (test_athena.py) reaches only the relation cache. The rename-and-swap of Iceberg
tables, the drops, the S3 clean-up, the merges and the partition batching happen only in a
build, so this runs dbt-athena's real builds, in this process (dbtRunner), against moto's
server, with Athena's part played over moto's Glue and S3 (tests/athena_emulator.py):
1. `dbt build` into an empty gold: every model, data test and unit test. Each partitioned model
   spans more partition values than one statement may write (the sample's trades span more
   than 100 days; the other partitioned models are answered as spanning more: spans()), and
   the emulator fails any write of more than 100 as Athena does: each is built in batches
   (force_batch) without a failed attempt;
2. `dbt run` over the Iceberg tables the first made: each table model is rebuilt beside its
   table, in batches, and swapped in by renames, each incremental model merges its lookback's
   partitions, the views are replaced. (Its tests would repeat the first run's calls.)
3. the full refresh of one incremental model that docs/warehouse.md prescribes;
4. the weekly maintenance of gold_maintenance: OPTIMIZE and VACUUM of each Iceberg table.
The environment is what its stacks deploy, read from the golden templates: the lake's and the
results' buckets with their keys, the Glue databases and silver's tables, the dbt workgroup."""

import datetime
import json
import math
import os
import re
import time
import urllib.request

import boto3
import pytest
from dbt.adapters.athena.impl import AthenaAdapter

from tests import iam_policy
from tests.athena_emulator import PARTITIONS_LIMIT, Athena, calls_to_requests
from tests.conftest import REPO, WAREHOUSE, dbt
from tests.test_athena import ATHENA_TARGETS, OUTPUTS

ENV = "staging"  # the DAG tests' environment; the other Athena targets are checked on its calls
# The Glue type of each DuckDB type of the local gold, as Athena's CTAS writes it to Glue.
GLUE_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}
# What the runs must have asked for, or the check proves nothing: Athena, Glue's table life
# cycle, and the listing and deleting of gold's objects.
REQUIRED = [
    "athena:StartQueryExecution",
    "glue:GetTable",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "s3:ListBucket",
    "s3:DeleteObject",
]


def template(env, stack):
    with open(os.path.join(REPO, "test", "testdata", env, stack + ".json"), encoding="utf-8") as f:
        return json.load(f)


def resources(env, stack, cfn_type):
    """{logical ID: Properties} of the stack's resources of one type."""
    return {i: r["Properties"] for i, r in template(env, stack)["Resources"].items() if r["Type"] == cfn_type}


def account_of(env):
    """The environment's account: its Glue catalog's ID."""
    (catalog_id,) = {t["CatalogId"] for t in resources(env, "Catalog", "AWS::Glue::Table").values()}
    return catalog_id


def kms_key(env, stack, value, region):
    """The ARN of the KMS key a template value names; its logical ID stands for its ID, which
    only a deploy knows (as dags/tests/mwaa.py resolves the policy's keys)."""
    if "Fn::GetStackOutput" in value:
        out = value["Fn::GetStackOutput"]
        producer = out["StackName"].removeprefix(env + "-")
        return kms_key(env, producer, template(env, producer)["Outputs"][out["OutputName"]]["Value"], region)
    logical_id, attribute = value["Fn::GetAtt"]
    assert attribute == "Arn" and template(env, stack)["Resources"][logical_id]["Type"] == "AWS::KMS::Key", value
    return f"arn:aws:kms:{region}:{account_of(env)}:key/{logical_id}"


def deploy(endpoint, env):
    """What the environment's stacks create that a build uses, in a reset moto; returns the KMS
    key of each SSE-KMS bucket, {bucket: key ARN}."""
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST"))
    profile = OUTPUTS[env]
    region = profile["region_name"]
    session = boto3.Session(region_name=region, aws_access_key_id="deploy", aws_secret_access_key="x")
    s3, glue, athena = (session.client(s, endpoint_url=endpoint) for s in ("s3", "glue", "athena"))
    keys = {}
    for stack in ("DataLake", "Analytics"):
        for bucket in resources(env, stack, "AWS::S3::Bucket").values():
            s3.create_bucket(Bucket=bucket["BucketName"])
            sse = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            if sse["SSEAlgorithm"] == "aws:kms":
                keys[bucket["BucketName"]] = kms_key(env, stack, sse["KMSMasterKeyID"], region)
    databases = resources(env, "Catalog", "AWS::Glue::Database")
    for database in databases.values():
        glue.create_database(DatabaseInput=database["DatabaseInput"])
    for table in resources(env, "Catalog", "AWS::Glue::Table").values():
        database = databases[table["DatabaseName"]["Ref"]]["DatabaseInput"]["Name"]
        glue.create_table(DatabaseName=database, TableInput=table["TableInput"])
    (workgroup,) = [
        w for w in resources(env, "Analytics", "AWS::Athena::WorkGroup").values() if w["Name"] == profile["work_group"]
    ]
    configuration = json.loads(json.dumps(workgroup["WorkGroupConfiguration"]))
    encryption = configuration["ResultConfiguration"]["EncryptionConfiguration"]
    encryption["KmsKey"] = kms_key(env, "Analytics", encryption["KmsKey"], region)
    athena.create_work_group(Name=workgroup["Name"], Configuration=configuration)
    return keys


def glue_type(duckdb_type):
    if m := re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type):
        return f"decimal({m[1]},{m[2]})"
    return GLUE_TYPES[duckdb_type]


def model_columns(gold):
    """Each model's columns, from the same models built locally (make pipeline): those its CTAS
    or view gets in Glue. A unit test's temporary table is named after the test."""
    columns = {}
    rows = gold(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'local_gold' order by table_name, ordinal_position"
    )
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, glue_type(data_type)))
    with open(os.path.join(WAREHOUSE, "manifest.json"), encoding="utf-8") as f:
        for test in json.load(f)["unit_tests"].values():
            columns[test["name"]] = columns[test["model"]]
    return columns


def partitioned_models():
    """The shipped manifest's partitioned models (test_manifest.py keeps it current), {name:
    node}: a team that removes an example model, as docs/sources.md says, keeps these tests."""
    with open(os.path.join(WAREHOUSE, "manifest.json"), encoding="utf-8") as f:
        nodes = json.load(f)["nodes"].values()
    return {
        n["name"]: n
        for n in nodes
        if n["resource_type"] == "model"
        and n["config"].get("partitioned_by")
        and n["config"]["materialized"] in ("table", "incremental")
    }


def local_partitions(gold):
    """Each partitioned model's keys as dbt-athena writes them in SQL (its own
    format_one_partition_key: day(ordered_at) is date_trunc('day', ordered_at), which DuckDB
    reads too) and the values of those keys in the same model built locally (make pipeline)."""
    out = {}
    for name, node in partitioned_models().items():
        keys = [AthenaAdapter.format_one_partition_key(None, k) for k in node["config"]["partitioned_by"]]
        out[name] = (keys, set(gold(f"select distinct {', '.join(keys)} from local_gold.{name}")))
    return out


def spans(local):
    """What the emulator answers for each model: its local values where they are more than one
    statement may write (the sample's trades span more than 100 days, jobs/pipeline); otherwise,
    as gold in an environment past day 100 holds, 2.5 times the limit in days back from its
    newest. The sample's 60 orders or its one day of rates cannot span that many days."""
    out = {}
    for name, (keys, values) in local.items():
        if len(values) <= PARTITIONS_LIMIT:
            assert len(keys) == 1 and values, f"{name}: only a model of one key with rows is answered as spanning more"
            (newest,) = max(values)
            values = {(newest - datetime.timedelta(days=i),) for i in range(PARTITIONS_LIMIT * 5 // 2)}
        out[name] = (keys, values)
    return out


@pytest.fixture(scope="module")
def build(moto, gold, tmp_path_factory):
    """The four runs on ENV's target; returns the emulator, which holds what was called."""
    profile = OUTPUTS[ENV]
    emulator = Athena(
        moto,
        profile["region_name"],
        account_of(ENV),
        model_columns(gold),
        deploy(moto, ENV),
        partitions=spans(local_partitions(gold)),
    )
    work = tmp_path_factory.mktemp("athena-build")
    common = ["--target", ENV, "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    start = time.monotonic()
    with pytest.MonkeyPatch.context() as env, emulator.hooked():
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("AWS_ENDPOINT_URL", moto)
        env.setenv("AWS_ACCESS_KEY_ID", "dbt")
        env.setenv("AWS_SECRET_ACCESS_KEY", "x")
        for name, args in [
            ("build", ["build"]),
            ("run", ["run"]),
            ("full refresh", ["build", "--full-refresh", "--select", "daily_web_events"]),
            ("maintenance", ["run-operation", "iceberg_maintenance"]),
        ]:
            written = len(emulator.writes)
            dbt(*args, *common)
            emulator.runs[name] = emulator.writes[written:]
    print(f"\nthe four dbt runs on the {ENV} target: {time.monotonic() - start:.1f} s")
    assert not emulator.errors, "the emulator could not play:\n" + "\n\n".join(emulator.errors)
    return emulator


@pytest.fixture(scope="module")
def made(build):
    return calls_to_requests(build, [OUTPUTS[ENV]["schema"]])


def gold_bucket(target):
    return "arn:aws:s3:::" + OUTPUTS[target]["s3_data_dir"].removeprefix("s3://").split("/")[0]


def test_the_runs_take_the_paths_only_a_build_takes(build):
    played = {kind for kind, _ in build.statements}
    expected = {
        "create table",
        "create or replace view",
        "alter table rename",
        "merge",
        "insert",
        "select",
        "optimize",
        "vacuum",
    }
    assert expected <= played, f"not played: {expected - played}"


def test_every_call_of_the_build_is_allowed_by_the_execution_role(build, made):
    actions = {r.action for r in made}
    assert set(REQUIRED) <= actions, f"missing {set(REQUIRED) - actions}: the runs asked for {sorted(actions)}"
    assert any(r.action == "s3:ListBucket" and r.resource == gold_bucket(ENV) for r in made)
    assert any(r.action == "s3:DeleteObject" and r.resource.startswith(gold_bucket(ENV) + "/") for r in made)
    print(
        f"\n{len(build.calls)} AWS calls by dbt-athena and {len(build.on_behalf)} requests by Athena for it: "
        f"{len(made)} IAM requests, {len(set(made))} distinct, of {len(actions)} actions"
    )
    denied = iam_policy.denied(made, iam_policy.execution_policy(ENV))
    assert not denied, "the execution role's policy does not allow:\n" + "\n".join(
        f"  {r.action} on {r.resource} {dict(r.context) or ''} ({r.origin})" for r in denied
    )


def renamed(requests, env, other):
    """ENV's requests in the other environment's names: the same resources of the same stacks
    (paired by logical ID), and its account. Its dbt target has the same shape (cmd/warehouse
    writes every Athena target from config), so its build makes the same calls."""
    names = {account_of(env): account_of(other)}
    for stack, cfn_type, field in [
        ("DataLake", "AWS::S3::Bucket", "BucketName"),
        ("Analytics", "AWS::S3::Bucket", "BucketName"),
        ("Analytics", "AWS::Athena::WorkGroup", "Name"),
    ]:
        theirs = resources(other, stack, cfn_type)
        names.update({p[field]: theirs[i][field] for i, p in resources(env, stack, cfn_type).items()})
    theirs = resources(other, "Catalog", "AWS::Glue::Database")
    for i, p in resources(env, "Catalog", "AWS::Glue::Database").items():
        names[p["DatabaseInput"]["Name"]] = theirs[i]["DatabaseInput"]["Name"]
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))

    def rename(text):
        return pattern.sub(lambda m: names[m[0]], text)

    return [
        iam_policy.Request(rename(r.action), rename(r.resource), tuple((k, rename(v)) for k, v in r.context), r.origin)
        for r in requests
    ]


@pytest.mark.parametrize("other", [t for t in ATHENA_TARGETS if t != ENV])
def test_each_other_environments_role_allows_the_same_build(made, other):
    theirs = renamed(made, ENV, other)
    assert not [r for r in theirs if account_of(ENV) in r.resource], "an ENV name was not renamed"
    assert any(r.resource.startswith(gold_bucket(other)) for r in theirs)
    denied = iam_policy.denied(theirs, iam_policy.execution_policy(other))
    assert not denied, f"{other}'s execution role does not allow:\n" + "\n".join(
        f"  {r.action} on {r.resource} {dict(r.context) or ''} ({r.origin})" for r in denied
    )


@pytest.mark.parametrize(
    "action",
    REQUIRED + ["glue:DeleteTableVersion", "s3:PutObject", "s3:GetObject", "kms:GenerateDataKey", "kms:Decrypt"],
)
def test_the_check_denies_the_build_a_policy_without_one_of_its_actions(made, action):
    """The check can fail: without any one action the runs asked for, the policy denies them."""
    policy = [
        {**s, "Action": [a for a in iam_policy.listed(s["Action"]) if a != action]}
        for s in iam_policy.execution_policy(ENV)
    ]
    denied = iam_policy.denied(made, policy)
    assert denied and {r.action for r in denied} == {action}


def partitioned_writes(writes, table):
    return [w for w in writes if w.table == table and w.partitioned]


def test_no_write_fails_as_too_many_partitions(build):
    """The emulator fails every write of more than 100 partitions as Athena does; dbt-athena
    then batches it, and the run passes, after a wasted scan: a model that leaves batching to
    that fallback (no force_batch) fails here."""
    failed = [w for w in build.writes if w.failure]
    assert not failed, "writes Athena failed, which dbt-athena built again in batches:\n" + "\n".join(
        f"  {w.kind} {w.table}: {len(w.values)} partitions, {w.failure}" for w in failed
    )


@pytest.mark.parametrize("name", sorted(partitioned_models()))
def test_a_partitioned_models_first_build_is_one_ctas_then_an_insert_per_100_partitions(build, name):
    """Past day 100, on purpose: the first build writes the model's partitions in batches from
    the start, each of at most 100 values, every value once, in as few statements as 100 a
    statement allows: one CTAS, then INSERT INTOs. Its rows are read once, by one unpartitioned
    CTAS (dbt-athena's __tmp_not_partitioned) that each batch reads from."""
    schema = OUTPUTS[ENV]["schema"]
    values = build.partitions[name][1]
    assert len(values) > PARTITIONS_LIMIT, f"{name} spans {len(values)} partitions: nothing to batch"
    writes = partitioned_writes(build.runs["build"], f"{schema}.{name}")
    assert [w.kind for w in writes] == ["create table"] + ["insert"] * (math.ceil(len(values) / PARTITIONS_LIMIT) - 1)
    assert all(len(w.values) <= PARTITIONS_LIMIT and not w.failure for w in writes)
    assert frozenset().union(*(w.values for w in writes)) == values
    assert sum(len(w.values) for w in writes) == len(values), "a partition written twice"
    staging = [w for w in build.runs["build"] if w.table.startswith(f"{schema}.{name}__")]
    assert [(w.kind, w.partitioned) for w in staging] == [("create table", False)], staging


@pytest.mark.parametrize(
    "name", sorted(n for n, node in partitioned_models().items() if node["config"]["materialized"] == "incremental")
)
def test_an_incremental_models_run_merges_only_its_lookback(build, name):
    """Day 400 costs what day 1 costs: over a table past 100 days, with no new day in silver,
    the incremental run merges only the partitions its declared lookback reaches (meta.lookback,
    rendered by incremental_lookback()), its newest days, not the whole history."""
    schema = OUTPUTS[ENV]["schema"]
    lookback = partitioned_models()[name]["config"]["meta"]["lookback"]
    keys, values = build.partitions[name]
    i = keys.index(lookback["column"])
    newest = max(v[i] for v in values)
    merges = partitioned_writes(build.runs["run"], f"{schema}.{name}")
    assert merges and {w.kind for w in merges} == {"merge"}, merges
    merged = frozenset().union(*(w.values for w in merges))
    assert merged, f"{name}'s run merged nothing"
    assert len(merged) <= lookback["partitions"] < len(values)
    assert all(newest - datetime.timedelta(days=lookback["partitions"] - 1) <= v[i] for v in merged), sorted(merged)
