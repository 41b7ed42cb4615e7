"""The Unity Catalog set-up: makes an environment's workspace hold what its plan says (the
storage credential, an external location per layer, the catalog bound to the workspace with a
schema per layer, and the jobs' grants), creating or correcting only what differs, so a second
run changes nothing.

    go run ./cmd/unitycatalog -env staging > plan.json
    cdk deploy ... --outputs-file outputs.json
    unity-catalog-setup --plan plan.json --outputs outputs.json

The plan comes from config; the outputs are the stacks' (cdk deploy --outputs-file). Databricks
generates the credential's external ID when it creates the credential, so the first run, with
config's external ID still pending, creates the credential, prints the ID and exits with
PENDING; once a deploy has put the ID in the role's trust, the next run does the rest.
Authentication is the SDK's (DATABRICKS_HOST, and DATABRICKS_AUTH_TYPE=github-oidc with
DATABRICKS_CLIENT_ID in deploy.yml)."""

import argparse
import json
import sys
from dataclasses import dataclass, field

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError, NotFound
from databricks.sdk.service.catalog import (
    AwsIamRoleRequest,
    CatalogIsolationMode,
    PermissionsChange,
    Privilege,
    WorkspaceBinding,
    WorkspaceBindingBindingType,
)

# The exit code of a first run: the credential exists, its external ID goes into config next.
PENDING = 3
# A bad plan or outputs file, or a workspace that contradicts config.
BAD_INPUT = 2
# Databricks refused a request (a missing privilege, a location it could not validate).
REFUSED = 1


class SetupError(Exception):
    """What is wrong, where, and what is expected: the command's one line of error."""


@dataclass
class Report:
    """What a run did: each change as "<verb> <what>", and the credential's external ID."""

    external_id: str = ""
    changes: list = field(default_factory=list)

    def did(self, change):
        self.changes.append(change)
        print(change, flush=True)


def read_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise SetupError(f"{what} {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise SetupError(f"{what} {path}: not JSON ({e})") from None


def role_arn(plan, outputs):
    """The credential's role ARN from the stacks' outputs, checked against what config names."""
    stack, key, want = plan["stack"], plan["role_output"], plan["role_arn"]
    if not isinstance(outputs, dict) or stack not in outputs:
        have = ", ".join(sorted(outputs)) if isinstance(outputs, dict) else "not an object of stacks"
        raise SetupError(
            f"the outputs have no stack {stack} (they have: {have or 'none'}): "
            f"pass the file `cdk deploy --outputs-file` wrote for {plan['environment']}"
        )
    value = outputs[stack].get(key) if isinstance(outputs[stack], dict) else None
    if value is None:
        raise SetupError(f"stack {stack} has no output {key}: deploy it with databricks.unityCatalog.enabled on")
    if value != want:
        raise SetupError(
            f"stack {stack} output {key} is {value!r}: config expects {want} "
            "(was the stack deployed from this config, to this account?)"
        )
    return value


def ensure_credential(w, plan, arn, report):
    """The storage credential on the role, created without validation: the role cannot be
    assumed until its trust has the external ID this creates. Databricks reports which role of
    its own assumes the credential (unity_catalog_iam_arn): it must be the one config names,
    which is the one the role's trust admits."""
    credential = find_or_create_credential(w, plan, arn, report)
    master = credential.aws_iam_role.unity_catalog_iam_arn
    if master and master != plan["master_role"]:
        raise SetupError(
            f"storage credential {plan['credential']} is assumed by {master} (Databricks' unity_catalog_iam_arn), "
            f"but the role trusts config.UnityCatalogMasterRole, {plan['master_role']}: put Databricks' role "
            "in config and deploy"
        )
    return credential


def find_or_create_credential(w, plan, arn, report):
    name = plan["credential"]
    try:
        credential = w.storage_credentials.get(name)
    except NotFound:
        credential = w.storage_credentials.create(
            name,
            aws_iam_role=AwsIamRoleRequest(role_arn=arn),
            skip_validation=True,
            comment=f"The lake of {plan['environment']} (dataplatform)",
        )
        report.did(f"created storage credential {name}")
        return credential
    if credential.aws_iam_role is None or credential.aws_iam_role.role_arn != arn:
        credential = w.storage_credentials.update(
            name, aws_iam_role=AwsIamRoleRequest(role_arn=arn), skip_validation=True
        )
        report.did(f"updated storage credential {name}: role {arn}")
    return credential


def ensure_locations(w, plan, report):
    """An external location per layer, with file events off. Databricks turns file events on
    unless asked not to ("enable_file_events ... Default to true", REST API reference), and then
    sets up SNS, SQS and bucket notifications through the credential's role, which has no such
    rights: the jobs list their files instead. A location found with them on is turned off."""
    for want in plan["locations"]:
        name = want["name"]
        try:
            have = w.external_locations.get(name)
        except NotFound:
            w.external_locations.create(
                name,
                want["url"],
                plan["credential"],
                read_only=want["read_only"],
                enable_file_events=False,
                comment=f"The {want['layer']} layer of {plan['environment']}",
            )
            report.did(f"created external location {name}")
            continue
        differs = {
            # Unity Catalog keeps a location's URL without its trailing slash.
            "url": (have.url or "").rstrip("/") != want["url"].rstrip("/"),
            "credential": have.credential_name != plan["credential"],
            "read_only": bool(have.read_only) != want["read_only"],
            # The effective state is what Databricks applied, which "may differ due to
            # server-side defaults": either one on is drift.
            "file_events": bool(have.enable_file_events) or bool(have.effective_enable_file_events),
        }
        if any(differs.values()):
            w.external_locations.update(
                name,
                url=want["url"],
                credential_name=plan["credential"],
                read_only=want["read_only"],
                enable_file_events=False,
            )
            report.did(f"updated external location {name}: {', '.join(k for k, v in differs.items() if v)}")


def ensure_catalog(w, plan, report):
    """The catalog, reachable from this workspace only (bound to it, then isolated), and a
    schema per layer. The schemas have no storage of their own: their tables are external."""
    want = plan["catalog"]
    name = want["name"]
    try:
        catalog = w.catalogs.get(name)
    except NotFound:
        catalog = w.catalogs.create(
            name, storage_root=want["storage_root"], comment=f"The lake of {plan['environment']} (dataplatform)"
        )
        report.did(f"created catalog {name}")
    if (catalog.storage_root or "").rstrip("/") != want["storage_root"].rstrip("/"):
        # A catalog's managed location cannot be moved: only recreating it would.
        raise SetupError(
            f"catalog {name} has storage root {catalog.storage_root}, config expects {want['storage_root']}: "
            "a managed location cannot change; drop the catalog or rename it in config"
        )
    ensure_bound(w, name, report)
    if catalog.isolation_mode != CatalogIsolationMode.ISOLATED:
        w.catalogs.update(name, isolation_mode=CatalogIsolationMode.ISOLATED)
        report.did(f"isolated catalog {name}")
    for schema in want["schemas"]:
        try:
            w.schemas.get(f"{name}.{schema}")
        except NotFound:
            w.schemas.create(schema, name, comment=f"The {schema} layer's external tables")
            report.did(f"created schema {name}.{schema}")


def ensure_bound(w, catalog, report):
    """The catalog is bound to this workspace, read and write, and to no other."""
    workspace = w.get_workspace_id()
    want = WorkspaceBinding(workspace_id=workspace, binding_type=WorkspaceBindingBindingType.BINDING_TYPE_READ_WRITE)
    have = list(w.workspace_bindings.get_bindings("catalog", catalog))
    others = [b for b in have if b.workspace_id != workspace]
    ours = [b for b in have if b.workspace_id == workspace]
    add = [] if ours and ours[0].binding_type == want.binding_type else [want]
    if add or others:
        # A binding of another type is replaced: the same workspace appears once.
        w.workspace_bindings.update_bindings("catalog", catalog, add=add or None, remove=others or None)
        unbound = f", unbound {[b.workspace_id for b in others]}" if others else ""
        report.did(f"bound catalog {catalog} to workspace {workspace} only{unbound}")


def privilege_assignments(w, kind, name, principal):
    """The principal's assignments on the securable, page after page. The SDK's GrantsAPI.get
    recommends max_results=0 (the server's page length; unpaginated calls "will be deprecated
    soon"), and a page may be empty yet have a next one: only a missing next_page_token ends."""
    assignments, token = [], None
    while True:
        page = w.grants.get(kind, name, principal=principal, max_results=0, page_token=token)
        assignments += [a for a in page.privilege_assignments or [] if a.principal == principal]
        token = page.next_page_token
        if not token:
            return assignments


def ensure_grants(w, plan, report):
    """Each grant's principal holds exactly its privileges on the securable: the missing ones are
    granted, any other it holds there is revoked. Other principals' grants are left alone."""
    for grant in plan["grants"]:
        kind, name, principal = grant["securable_type"], grant["full_name"], grant["principal"]
        have = {p.value for a in privilege_assignments(w, kind, name, principal) for p in a.privileges or []}
        want = set(grant["privileges"])
        add, remove = sorted(want - have), sorted(have - want)
        if not add and not remove:
            continue
        change = PermissionsChange(
            principal=principal, add=[Privilege(p) for p in add] or None, remove=[Privilege(p) for p in remove] or None
        )
        w.grants.update(kind, name, changes=[change])
        done = [f"added {', '.join(add)}"] * bool(add) + [f"revoked {', '.join(remove)}"] * bool(remove)
        report.did(f"granted {kind} {name} to {principal}: {'; '.join(done)}")


def setup(w, plan, outputs):
    """Makes the workspace match plan; returns what changed. Stops after the credential while
    config's external ID is pending; refuses to go on when config's ID is not the credential's."""
    report = Report()
    arn = role_arn(plan, outputs)
    credential = ensure_credential(w, plan, arn, report)
    report.external_id = credential.aws_iam_role.external_id
    if plan["external_id"] == plan["pending"]:
        return report
    if plan["external_id"] != report.external_id:
        raise SetupError(
            f"databricks.unityCatalog.externalId of {plan['environment']} is {plan['external_id']}, but storage "
            f"credential {plan['credential']} has external ID {report.external_id}: put that in config and deploy, "
            "so the role trusts the credential that exists"
        )
    ensure_locations(w, plan, report)
    ensure_catalog(w, plan, report)
    ensure_grants(w, plan, report)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="unity-catalog-setup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True, help="the plan: go run ./cmd/unitycatalog -env <env>")
    parser.add_argument("--outputs", required=True, help="the stacks' outputs: cdk deploy --outputs-file")
    args = parser.parse_args(argv)
    try:
        plan = read_json(args.plan, "plan")
        outputs = read_json(args.outputs, "outputs file")
        w = WorkspaceClient(host=plan["workspace_host"])
        report = setup(w, plan, outputs)
    except SetupError as e:
        print(f"unity-catalog-setup: {e}", file=sys.stderr)
        return BAD_INPUT
    except DatabricksError as e:
        # What Databricks says is the error: the changes before it stand, the next run resumes.
        print(f"unity-catalog-setup: Databricks refused: {e}", file=sys.stderr)
        return REFUSED
    if plan["external_id"] == plan["pending"]:
        print(
            f"Storage credential {plan['credential']} has external ID {report.external_id}. Next: set "
            f"databricks.unityCatalog.externalId of {plan['environment']} to it, deploy, and run this again "
            "(docs/unity-catalog.md).",
            flush=True,
        )
        return PENDING
    if not report.changes:
        print(f"Unity Catalog of {plan['environment']}: nothing to change", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
