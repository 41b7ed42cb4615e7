"""The set-up command against the loopback stub (tests/stub.py), with staging's plan as
`go run ./cmd/unitycatalog` prints it from config, and the outputs file as `cdk deploy
--outputs-file` writes it."""

import json
import os
import subprocess

import pytest
from unity_catalog import setup

from tests.stub import WORKSPACE_ID, Stub

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENVIRONMENT = "staging"


@pytest.fixture(scope="session")
def config_plan():
    printed = subprocess.run(
        ["go", "run", "./cmd/unitycatalog", "-env", ENVIRONMENT], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(printed)


@pytest.fixture
def stub(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_AUTH_TYPE", "pat")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-stub")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", os.devnull)
    with Stub() as s:
        yield s


def outputs_of(plan):
    """What cdk deploy --outputs-file writes for the environment: its stacks' outputs by stack
    name (a few of them; the set-up reads one)."""
    return {
        f"{ENVIRONMENT}-Network": {"VpcId": "vpc-0abc"},
        plan["stack"]: {
            "CrossAccountRoleArn": plan["role_arn"].replace("uc-storage", "cross-account"),
            plan["role_output"]: plan["role_arn"],
        },
    }


class Run:
    """One environment's set-up files and its runs of the command against the stub."""

    def __init__(self, stub, plan, tmp_path):
        self.stub, self.plan, self.tmp = stub, dict(plan, workspace_host=stub.url), tmp_path
        self.outputs = outputs_of(plan)

    def __call__(self, capsys, **plan):
        (self.tmp / "plan.json").write_text(json.dumps({**self.plan, **plan}))
        (self.tmp / "outputs.json").write_text(json.dumps(self.outputs))
        before = len(self.stub.workspace.changes)
        code = setup.main(["--plan", str(self.tmp / "plan.json"), "--outputs", str(self.tmp / "outputs.json")])
        printed = capsys.readouterr()
        return code, printed.out, printed.err, self.stub.workspace.changes[before:]

    def through_phase_one(self, capsys):
        code, _, _, _ = self(capsys)
        assert code == setup.PENDING
        return self.stub.workspace.credentials[self.plan["credential"]]["aws_iam_role"]["external_id"]


@pytest.fixture
def run(stub, config_plan, tmp_path):
    return Run(stub, config_plan, tmp_path)


def test_the_plan_is_pending_in_staging_as_committed(config_plan):
    assert config_plan["external_id"] == config_plan["pending"] == "pending"


def test_phase_one_creates_only_the_credential_and_prints_its_external_id(run, capsys):
    code, out, _, changes = run(capsys)
    assert code == setup.PENDING
    assert [(m, p) for m, p, _ in changes] == [("POST", "/api/2.1/unity-catalog/storage-credentials")]
    body = changes[0][2]
    assert body["name"] == run.plan["credential"]
    assert body["aws_iam_role"] == {"role_arn": run.plan["role_arn"]}
    assert body["skip_validation"] is True  # the role trusts no external ID yet
    external_id = run.stub.workspace.credentials[run.plan["credential"]]["aws_iam_role"]["external_id"]
    assert f"external ID {external_id}" in out and "databricks.unityCatalog.externalId" in out


def test_phase_one_again_changes_nothing(run, capsys):
    first = run.through_phase_one(capsys)
    code, out, _, changes = run(capsys)
    assert (code, changes) == (setup.PENDING, [])
    assert first in out


def test_phase_two_sets_up_the_locations_catalog_schemas_and_grants(run, capsys):
    external_id = run.through_phase_one(capsys)
    code, _, err, changes = run(capsys, external_id=external_id)
    assert code == 0, err
    ws, plan = run.stub.workspace, run.plan
    assert {n: (loc["url"], loc["credential_name"], loc["read_only"]) for n, loc in ws.locations.items()} == {
        loc["name"]: (loc["url"].rstrip("/"), plan["credential"], loc["read_only"]) for loc in plan["locations"]
    }
    assert ws.locations[f"{plan['credential']}-bronze"]["read_only"] is True
    catalog = ws.catalogs[plan["catalog"]["name"]]
    assert catalog["storage_root"] == plan["catalog"]["storage_root"]
    assert catalog["isolation_mode"] == "ISOLATED"
    assert ws.bindings[plan["catalog"]["name"]] == {WORKSPACE_ID: "BINDING_TYPE_READ_WRITE"}
    assert set(ws.schemas) == {f"{plan['catalog']['name']}.{s}" for s in ("bronze", "silver", "gold")}
    want = {}
    for g in plan["grants"]:
        want.setdefault((g["securable_type"], g["full_name"]), {})[g["principal"]] = set(g["privileges"])
    assert {k: v for k, v in ws.grants.items() if v} == want
    # Bound before isolated: isolating an unbound catalog would cut the workspace off from it.
    paths = [p for _, p, _ in changes]
    assert paths.index(f"/api/2.1/unity-catalog/bindings/catalog/{plan['catalog']['name']}") < paths.index(
        f"/api/2.1/unity-catalog/catalogs/{plan['catalog']['name']}"
    )


def test_a_second_run_changes_nothing(run, capsys):
    external_id = run.through_phase_one(capsys)
    assert run(capsys, external_id=external_id)[0] == 0
    code, out, _, changes = run(capsys, external_id=external_id)
    assert (code, changes) == (0, [])
    assert "nothing to change" in out


def jobs_principal(plan):
    """The principal the bundle's jobs run as: the one holding the silver schema's grants."""
    return next(g["principal"] for g in plan["grants"] if g["securable_type"] == "schema")


def test_the_jobs_and_the_engineers_get_their_grants_and_the_deployer_none(run, config_plan):
    principals = {g["principal"] for g in config_plan["grants"]}
    assert principals == {jobs_principal(config_plan), "data-engineers"}
    assert run.plan["stack"] == f"{ENVIRONMENT}-Databricks"
    gold = [g for g in config_plan["grants"] if "gold" in g["full_name"]]
    assert gold == [], "gold is dbt's: nobody writes it from Databricks"


def test_drift_is_put_right_and_only_the_drift(run, capsys):
    external_id = run.through_phase_one(capsys)
    assert run(capsys, external_id=external_id)[0] == 0
    ws, plan = run.stub.workspace, run.plan
    jobs = jobs_principal(plan)
    silver = f"{plan['credential']}-silver"
    catalog = plan["catalog"]["name"]
    ws.locations[silver]["url"] = "s3://someone-elses-bucket"
    ws.locations[f"{plan['credential']}-bronze"]["read_only"] = False
    ws.catalogs[catalog]["isolation_mode"] = "OPEN"
    ws.bindings[catalog][42] = "BINDING_TYPE_READ_WRITE"  # another workspace
    ws.grants[("external_location", silver)][jobs] |= {"MANAGE"}
    ws.grants[("external_location", silver)][jobs] -= {"WRITE_FILES"}
    ws.grants[("external_location", silver)]["analysts"] = {"READ_FILES"}
    code, out, _, changes = run(capsys, external_id=external_id)
    assert code == 0
    assert sorted((m, p) for m, p, _ in changes) == sorted(
        [
            ("PATCH", f"/api/2.1/unity-catalog/external-locations/{silver}"),
            ("PATCH", f"/api/2.1/unity-catalog/external-locations/{plan['credential']}-bronze"),
            ("PATCH", f"/api/2.1/unity-catalog/bindings/catalog/{catalog}"),
            ("PATCH", f"/api/2.1/unity-catalog/catalogs/{catalog}"),
            ("PATCH", f"/api/2.1/unity-catalog/permissions/external_location/{silver}"),
        ]
    )
    assert ws.locations[silver]["url"] == next(loc["url"] for loc in plan["locations"] if loc["name"] == silver).rstrip(
        "/"
    )
    assert ws.bindings[catalog] == {WORKSPACE_ID: "BINDING_TYPE_READ_WRITE"}
    assert ws.grants[("external_location", silver)] == {
        jobs: {"READ_FILES", "WRITE_FILES", "CREATE_EXTERNAL_TABLE"},
        "data-engineers": {"READ_FILES", "WRITE_FILES"},
        "analysts": {"READ_FILES"},  # a principal of no grant of the plan's is not the set-up's
    }
    assert "added WRITE_FILES; revoked MANAGE" in out
    assert run(capsys, external_id=external_id)[3] == []


def test_a_read_only_binding_of_this_workspace_is_made_read_write(run, capsys):
    external_id = run.through_phase_one(capsys)
    assert run(capsys, external_id=external_id)[0] == 0
    catalog = run.plan["catalog"]["name"]
    run.stub.workspace.bindings[catalog][WORKSPACE_ID] = "BINDING_TYPE_READ_ONLY"
    assert run(capsys, external_id=external_id)[0] == 0
    assert run.stub.workspace.bindings[catalog] == {WORKSPACE_ID: "BINDING_TYPE_READ_WRITE"}


def test_a_catalog_on_another_storage_root_is_refused(run, capsys):
    external_id = run.through_phase_one(capsys)
    assert run(capsys, external_id=external_id)[0] == 0
    catalog = run.plan["catalog"]["name"]
    run.stub.workspace.catalogs[catalog]["storage_root"] = "s3://elsewhere/"
    code, _, err, changes = run(capsys, external_id=external_id)
    assert (code, changes) == (setup.BAD_INPUT, [])
    assert (
        f"catalog {catalog} has storage root s3://elsewhere/, config expects {run.plan['catalog']['storage_root']}"
        in err
    )


def test_what_databricks_refuses_is_one_line_and_the_next_run_resumes(run, capsys):
    external_id = run.through_phase_one(capsys)
    run.stub.workspace.refuse_locations = True
    code, _, err, changes = run(capsys, external_id=external_id)
    assert (code, changes) == (setup.REFUSED, [])
    assert (
        err.startswith("unity-catalog-setup: Databricks refused: Failed to access cloud storage")
        and err.count("\n") == 1
    )
    run.stub.workspace.refuse_locations = False
    assert run(capsys, external_id=external_id)[0] == 0
    assert len(run.stub.workspace.locations) == 3


def test_a_credential_on_another_role_is_moved_to_the_stack_role_keeping_its_external_id(run, capsys):
    external_id = run.through_phase_one(capsys)
    role = run.stub.workspace.credentials[run.plan["credential"]]["aws_iam_role"]
    role["role_arn"] = "arn:aws:iam::222222222222:role/an-old-role"
    code, _, _, changes = run(capsys, external_id=external_id)
    assert code == 0
    assert changes[0][:2] == ("PATCH", f"/api/2.1/unity-catalog/storage-credentials/{run.plan['credential']}")
    assert (role["role_arn"], role["external_id"]) == (run.plan["role_arn"], external_id)


def test_an_external_id_that_is_not_the_credentials_is_refused(run, capsys):
    external_id = run.through_phase_one(capsys)
    other = "0b9c6f5e-3a1d-4e2b-9f8a-7c6d5e4f3a2b"
    code, _, err, changes = run(capsys, external_id=other)
    assert (code, changes) == (setup.BAD_INPUT, [])
    assert f"externalId of {ENVIRONMENT} is {other}" in err and f"has external ID {external_id}" in err
    assert err.count("\n") == 1


# "enable_file_events (boolean, optional): Whether to enable file events on this external
# location. Default to true. Set to false to disable file events." and file_event_queue: "If
# enable_file_events is not false, must be defined" (Databricks REST API reference, external
# locations, create and update: https://docs.databricks.com/api/workspace/externallocations/create).
# With file events on, "Databricks configures your S3 bucket to send file change notifications
# to a managed SNS topic ... An SQS queue subscribes to that topic" (File events FAQ,
# https://docs.databricks.com/aws/en/connect/unity-catalog/cloud-storage/file-events-faq): rights
# the storage credential's role does not have. The jobs list their files, so every location has
# file events off.
LOCATIONS = "/api/2.1/unity-catalog/external-locations"


def test_every_location_is_created_with_file_events_off(run, capsys):
    external_id = run.through_phase_one(capsys)
    code, _, err, changes = run(capsys, external_id=external_id)
    assert code == 0, err
    created = [body for method, path, body in changes if (method, path) == ("POST", LOCATIONS)]
    assert sorted(b["name"] for b in created) == sorted(loc["name"] for loc in run.plan["locations"])
    for body in created:
        assert body["enable_file_events"] is False, body["name"]
        assert "file_event_queue" not in body, body["name"]
    for name, location in run.stub.workspace.locations.items():
        assert location["effective_enable_file_events"] is False, name


@pytest.mark.parametrize("field", ["enable_file_events", "effective_enable_file_events"])
def test_a_location_with_file_events_on_is_turned_off(run, capsys, field):
    """Drift in either the requested or the effective setting (the API reference: "check
    effective_enable_file_events for the effective state") is put right, and only it."""
    external_id = run.through_phase_one(capsys)
    assert run(capsys, external_id=external_id)[0] == 0
    silver = f"{run.plan['credential']}-silver"
    run.stub.workspace.locations[silver][field] = True
    code, out, _, changes = run(capsys, external_id=external_id)
    assert code == 0
    assert [(m, p) for m, p, _ in changes] == [("PATCH", f"{LOCATIONS}/{silver}")]
    assert changes[0][2]["enable_file_events"] is False
    assert run.stub.workspace.locations[silver]["effective_enable_file_events"] is False
    assert f"updated external location {silver}: file_events" in out
    assert run(capsys, external_id=external_id)[3] == []


def test_grants_are_read_page_by_page(run, capsys):
    """GrantsAPI.get (databricks-sdk 0.162.0): "we recommend using max_results=0 to use the
    paginated version of this API. Unpaginated calls will be deprecated soon" and "a page may
    contain zero results while still providing a next_page_token. Clients must continue reading
    pages until next_page_token is absent". The stub's paged reads start with an empty page, so
    a reader that stops there sees no grant: it re-grants what is held and revokes nothing."""
    external_id = run.through_phase_one(capsys)
    ws, plan = run.stub.workspace, run.plan
    ws.grants_page_size = 1
    assert run(capsys, external_id=external_id)[0] == 0
    silver = f"{plan['credential']}-silver"
    jobs = jobs_principal(plan)
    ws.grants[("external_location", silver)][jobs] |= {"MANAGE"}
    before = len(ws.reads)
    code, out, _, changes = run(capsys, external_id=external_id)
    assert code == 0
    reads = [(p, q) for p, q in ws.reads[before:] if "/permissions/" in p]
    assert len(reads) == 2 * len(plan["grants"]), "every grant is read in two pages: the empty first one, then its own"
    assert all(q.get("max_results") == ["0"] for _, q in reads), reads
    assert [(m, p) for m, p, _ in changes] == [
        ("PATCH", f"/api/2.1/unity-catalog/permissions/external_location/{silver}")
    ]
    assert f"granted external_location {silver} to {jobs}: revoked MANAGE" in out
    assert ws.grants[("external_location", silver)][jobs] == {"READ_FILES", "WRITE_FILES", "CREATE_EXTERNAL_TABLE"}


def test_a_credential_assumed_by_another_master_role_is_refused(run, capsys):
    """Databricks names the role that assumes the credential (unity_catalog_iam_arn); where it is
    not config's, the role's trust would never admit it: one clear error, after phase one too."""
    other = "arn:aws:iam::111111111111:role/another-unity-catalog-master-role"
    run.stub.workspace.master_role = other
    code, _, err, _ = run(capsys)
    assert code == setup.BAD_INPUT
    assert (
        f"storage credential {run.plan['credential']} is assumed by {other} (Databricks' unity_catalog_iam_arn), "
        f"but the role trusts config.UnityCatalogMasterRole, {run.plan['master_role']}" in err
    )
    assert err.startswith("unity-catalog-setup: ") and err.count("\n") == 1


def without(outputs, stack, key=None):
    if key is None:
        return {k: v for k, v in outputs.items() if k != stack}
    return {**outputs, stack: {k: v for k, v in outputs[stack].items() if k != key}}


BAD_OUTPUTS = {
    "no stack": (
        lambda o, p: without(o, p["stack"]),
        "the outputs have no stack staging-Databricks (they have: staging-Network)",
    ),
    "no output": (
        lambda o, p: without(o, p["stack"], p["role_output"]),
        "stack staging-Databricks has no output StorageCredentialRoleArn",
    ),
    "another account": (
        lambda o, p: {**o, p["stack"]: {p["role_output"]: p["role_arn"].replace("222222222222", "999999999999")}},
        "output StorageCredentialRoleArn is 'arn:aws:iam::999999999999:role/dataplatform-staging-databricks-uc-storage': "
        "config expects arn:aws:iam::222222222222:role/dataplatform-staging-databricks-uc-storage",
    ),
    "not an ARN": (
        lambda o, p: {**o, p["stack"]: {p["role_output"]: ""}},
        "output StorageCredentialRoleArn is '': config expects",
    ),
    "not stacks": (
        lambda o, p: [],
        "the outputs have no stack staging-Databricks (they have: not an object of stacks)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_OUTPUTS))
def test_a_missing_or_bad_stack_output_is_one_clear_error_before_any_change(run, capsys, case):
    spoil, message = BAD_OUTPUTS[case]
    run.outputs = spoil(run.outputs, run.plan)
    code, _, err, changes = run(capsys)
    assert (code, changes) == (setup.BAD_INPUT, [])
    assert message in err
    assert err.startswith("unity-catalog-setup: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda path: path.unlink(), "outputs file {path}: No such file or directory"),
        (lambda path: path.write_text("{"), "outputs file {path}: not JSON"),
    ],
)
def test_an_unreadable_outputs_file_is_one_clear_error(run, capsys, tmp_path, monkeypatch, spoil, message):
    path = tmp_path / "outputs.json"
    real = setup.read_json

    def read_spoilt(p, what):
        if p == str(path):
            spoil(path)
        return real(p, what)

    monkeypatch.setattr(setup, "read_json", read_spoilt)
    code, _, err, changes = run(capsys)
    assert (code, changes) == (setup.BAD_INPUT, [])
    assert message.format(path=path) in err
