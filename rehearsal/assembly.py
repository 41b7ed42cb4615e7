"""Reads a synthesized cloud assembly (cdk.out): its stages, stacks and templates."""

import json
import os
from dataclasses import dataclass, field


@dataclass
class Stack:
    """One CloudFormation stack of the assembly."""

    stage: str  # the stage it belongs to, e.g. "develop" or "account-123456789012"
    path: str  # the CDK path the CLI selects, e.g. "develop/Network"
    name: str  # the CloudFormation stack name, e.g. "develop-Network"
    account: str
    region: str
    template: dict = field(repr=False)
    termination_protection: bool = False

    @property
    def resources(self):
        """The template's resources, keyed by logical ID."""
        return self.template.get("Resources", {})


def read(outdir):
    """Returns every stack of the assembly in outdir, nested stage assemblies included,
    in the order the assembly lists them."""
    stacks = []
    manifest = _load(os.path.join(outdir, "manifest.json"))
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "cdk:cloud-assembly":
            stacks += read(os.path.join(outdir, props["directoryName"]))
        elif kind == "aws:cloudformation:stack":
            account, region = _environment(artifact.get("environment", ""))
            path = artifact.get("displayName", artifact_id)
            stacks.append(
                Stack(
                    stage=path.split("/")[0] if "/" in path else "",
                    path=path,
                    name=props.get("stackName", artifact_id),
                    account=account,
                    region=region,
                    template=_load(os.path.join(outdir, props["templateFile"])),
                    termination_protection=bool(props.get("terminationProtection", False)),
                )
            )
    return stacks


def select(stacks, env):
    """The stacks one rehearsal deploys, all of one AWS account: the stage of that account
    first, then the environment's."""
    own = [s for s in stacks if s.stage == env]
    if not own:
        stages = sorted({s.stage for s in stacks})
        raise ValueError(f"the assembly has no stage {env!r} (stages: {', '.join(stages)})")
    accounts = {s.account for s in own}
    if len(accounts) != 1 or "" in accounts:
        raise ValueError(f"stage {env!r} does not deploy to exactly one AWS account: {sorted(accounts)}")
    account_stage = "account-" + own[0].account
    return [s for s in stacks if s.stage == account_stage] + own


def _environment(env):
    # "aws://123456789012/us-east-1"
    parts = env.removeprefix("aws://").split("/")
    return (parts[0], parts[1]) if len(parts) == 2 else ("", "")


def _load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
