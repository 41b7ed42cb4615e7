"""What the Airflow stack hands MWAA, read from the synthesized templates the Go snapshot
tests keep current (test/testdata/<env>/Airflow.json): the configuration options, which MWAA
turns into AIRFLOW__<SECTION>__<KEY> environment variables, and the execution role's policy."""

import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENVIRONMENTS = ("develop", "staging", "production")


def template(env):
    with open(os.path.join(REPO, "test", "testdata", env, "Airflow.json"), encoding="utf-8") as f:
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
    """The statements of every policy attached to the MWAA execution role."""
    t = template(env)
    (role_id,) = [
        i for i, r in t["Resources"].items() if r["Type"] == "AWS::IAM::Role" and i.startswith("ExecutionRole")
    ]
    statements = []
    for r in t["Resources"].values():
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]:
            statements += r["Properties"]["PolicyDocument"]["Statement"]
    return statements
