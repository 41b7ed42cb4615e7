"""What the Airflow stack hands MWAA, read from the synthesized templates the Go snapshot
tests keep current (test/testdata/<env>/Airflow.json): the configuration options, which MWAA
turns into AIRFLOW__<SECTION>__<KEY> environment variables, and the execution role's policy."""

import functools
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Every environment of config, in deployment order.
ALL_ENVIRONMENTS = ("develop", "staging", "production")


def has_airflow(env):
    """Whether env runs MWAA: its goldens hold an Airflow stack only where airflow.disabled is
    off (develop has it off: config/develop.go)."""
    return os.path.exists(os.path.join(REPO, "test", "testdata", env, "Airflow.json"))


# The environments with MWAA, whose options the DAGs are parsed with. The DAG logic of one
# without (develop) still runs offline: make pipeline, and these tests on staging's options.
ENVIRONMENTS = tuple(env for env in ALL_ENVIRONMENTS if has_airflow(env))


class NoAirflow(LookupError):
    """The environment has MWAA off: there is no Airflow stack to read."""


@functools.cache
def template(env, stack="Airflow"):
    """One stack's golden template, read once per session: shared, so never mutate it."""
    if stack == "Airflow" and not has_airflow(env):
        raise NoAirflow(
            f"{env} has MWAA off (airflow.disabled in config/{env}.go): no Airflow stack, so no MWAA options;"
            f" use one of {', '.join(ENVIRONMENTS)}"
        )
    with open(os.path.join(REPO, "test", "testdata", env, stack + ".json"), encoding="utf-8") as f:
        return json.load(f)


def _resources(env, cfn_type):
    return [r for r in template(env)["Resources"].values() if r["Type"] == cfn_type]


def options(env):
    """The environment's AirflowConfigurationOptions, {"section.key": value}."""
    (environment,) = _resources(env, "AWS::MWAA::Environment")
    return environment["Properties"]["AirflowConfigurationOptions"]


def environ(env):
    """The environment variables MWAA sets for those options."""
    return {"AIRFLOW__" + key.replace(".", "__").upper(): value for key, value in options(env).items()}


def execution_policy(env):
    """The statements of every policy attached to the MWAA execution role, each Resource
    resolved to the literal ARN it stands for (resolve)."""
    t = template(env)
    (role_id,) = [
        i for i, r in t["Resources"].items() if r["Type"] == "AWS::IAM::Role" and i.startswith("ExecutionRole")
    ]
    statements = []
    for r in t["Resources"].values():
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]:
            for s in r["Properties"]["PolicyDocument"]["Statement"]:
                resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
                statements.append({**s, "Resource": [resolve(env, "Airflow", v) for v in resources]})
    return statements


class Unresolved(ValueError):
    """A template value the DAG tests cannot turn into an ARN."""


def resolve(env, stack, value):
    """The literal a template value of stack stands for: Fn::Join, AWS::Partition, bucket ARNs
    (Fn::GetAtt), and other stacks' outputs (Fn::GetStackOutput, read from their templates).
    A KMS key's ID is known only at deploy: its logical ID stands for it, in any region and
    account (arn:aws:kms:*:*:key/<logical ID>), so a statement allows that key only."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve(env, stack, p) for p in parts)
    if value.get("Ref") == "AWS::Partition":
        return "aws"
    if "Ref" in value:  # a Glue database's Ref is its name
        resource = template(env, stack)["Resources"].get(value["Ref"], {})
        if resource.get("Type") == "AWS::Glue::Database":
            return resource["Properties"]["DatabaseInput"]["Name"]
    if "Fn::GetStackOutput" in value:
        out = value["Fn::GetStackOutput"]
        producer = out["StackName"].removeprefix(env + "-")
        return resolve(env, producer, template(env, producer)["Outputs"][out["OutputName"]]["Value"])
    if "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
        resource = template(env, stack)["Resources"][value["Fn::GetAtt"][0]]
        if resource["Type"] == "AWS::S3::Bucket":
            return "arn:aws:s3:::" + resource["Properties"]["BucketName"]
        if resource["Type"] == "AWS::KMS::Key":
            return f"arn:aws:kms:*:*:key/{value['Fn::GetAtt'][0]}"
    raise Unresolved(f"{stack}: cannot resolve {json.dumps(value)}")


def managed_policy(env, stack, logical_prefix):
    """The statements of a stack's managed policy whose logical ID starts with logical_prefix,
    each Resource resolved as execution_policy's are."""
    t = template(env, stack)
    (policy,) = [
        r for i, r in t["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy" and i.startswith(logical_prefix)
    ]
    statements = []
    for s in policy["Properties"]["PolicyDocument"]["Statement"]:
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        statements.append({**s, "Resource": [resolve(env, stack, v) for v in resources]})
    return statements
