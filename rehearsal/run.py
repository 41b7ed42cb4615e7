"""One rehearsal: deploy an environment into a fresh moto server with the real CDK CLI, check
through the AWS APIs that what its templates promise exists, destroy it and check what went
and what stayed."""

import os
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from . import assembly, emulator, verify
from .resolve import Resolver

RETAINED = {"Retain", "RetainExceptOnCreate"}


@dataclass
class Finding:
    """What the rehearsal found about one resource of one stack."""

    stack: str
    logical: str
    type: str
    status: str  # verified, not verified, failed
    notes: list = field(default_factory=list)

    @property
    def where(self):
        return f"{self.stack}/{self.logical}"


class Failed(Exception):
    """A step failed; the message says which stack and why."""


class Rehearsal:
    def __init__(self, env, assembly_dir, keep=False, out=print):
        self.env = env
        self.assembly_dir = assembly_dir
        self.keep = keep
        self.out = out
        self.workdir = tempfile.mkdtemp(prefix=f"rehearsal-{env}-")
        self.findings = []
        self.after_destroy = []  # problems found after cdk destroy
        self.retained = 0
        self.gone = 0

    # ---- the whole run ------------------------------------------------------------------

    def run(self):
        """Returns the process exit code: 0 when every check passed."""
        start = time.monotonic()
        stacks = []
        try:
            outdir = os.path.abspath(self.assembly_dir)
            if not os.path.isfile(os.path.join(outdir, "manifest.json")):
                raise Failed(f"no cloud assembly in {outdir}: run make synth first (make rehearse does)")
            stacks = assembly.select(assembly.read(outdir), self.env)
            account, region = stacks[-1].account, stacks[-1].region
            # moto serves the environment's own account: the assembly deploys as synthesized.
            with emulator.Server(os.path.join(self.workdir, "moto.log"), account) as self.server:
                self.aws_env(region)
                self.cdk("bootstrap", f"aws://{account}/{region}", "--app", outdir)
                self.deploy(outdir, stacks)
                self.verify(stacks)
                self.destroy(outdir, stacks)
        except (Failed, RuntimeError, ValueError) as e:
            self.out(f"rehearsal {self.env}: FAILED: {e}")
            self.out(f"  logs (moto, cdk) kept in {self.workdir}")
            return 1
        except KeyboardInterrupt:
            self.out(f"rehearsal {self.env}: interrupted; moto stopped")
            if not self.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)
            return 130
        failed = [f for f in self.findings if f.status == "failed"]
        self.report()
        ok = not failed and not self.after_destroy
        elapsed = time.monotonic() - start
        counts = {s: sum(f.status == s for f in self.findings) for s in ("verified", "not verified", "failed")}
        self.out(
            f"rehearsal {self.env}: {'OK' if ok else 'FAILED'}: {len(stacks)} stacks deployed, "
            f"{counts['verified']} resources verified, {counts['not verified']} skipped (not verified), "
            f"{counts['failed']} failed; destroyed: {self.gone} gone, {self.retained} retained; {elapsed:.0f}s"
        )
        if ok and not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            self.out(f"  logs (moto, cdk) kept in {self.workdir}")
        return 0 if ok else 1

    # ---- steps --------------------------------------------------------------------------

    def aws_env(self, region):
        """Points the CDK CLI and boto3 at moto, and away from any real AWS credentials."""
        self.region = region
        self.env_vars = {
            "AWS_ENDPOINT_URL": self.server.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            # The CLI caches the account of an access key in ~/.cdk: a cache of its own, so
            # the same fake key can stand for a different account in every rehearsal.
            "CDK_HOME": os.path.join(self.workdir, "cdk-home"),
        }
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
        config = Config(retries={"max_attempts": 2})
        clients = {}

        def client(service):
            if service not in clients:
                clients[service] = session.client(service, endpoint_url=self.server.endpoint, config=config)
            return clients[service]

        self.client = client

    def deploy(self, outdir, stacks):
        stages = list(dict.fromkeys(s.stage for s in stacks))  # the account stage first
        self.out(
            f"rehearsal {self.env}: deploying {len(stacks)} stacks ({', '.join(s.name for s in stacks)}) into moto"
        )
        self.t_deploy = time.monotonic()
        try:
            self.cdk(
                "deploy",
                "--app",
                outdir,
                *[f"{stage}/*" for stage in stages],
                "--require-approval",
                "never",
                "--progress",
                "events",
                log="cdk-deploy.log",
            )
        except Failed as e:
            raise Failed(self.why_not_created(stacks, str(e))) from None
        # The CLI can report success although moto failed inside (it answered 500): check.
        broken = self.why_not_created(stacks, "")
        if broken:
            raise Failed(broken)

    def why_not_created(self, stacks, cdk_error):
        """Names every stack that is not CREATE_COMPLETE, with the CloudFormation and moto reasons."""
        lines = []
        cf = self.client("cloudformation")
        for s in stacks:
            try:
                status = cf.describe_stacks(StackName=s.name)["Stacks"][0]["StackStatus"]
            except (ClientError, BotoCoreError) as e:
                status = f"not created ({_short(e)})"
            if status == "CREATE_COMPLETE":
                continue
            lines.append(f"stack {s.name} ({s.path}) was not created: {status}")
            try:
                for ev in cf.describe_stack_events(StackName=s.name)["StackEvents"]:
                    if ev["ResourceStatus"].endswith("FAILED"):
                        lines.append(
                            f"  {ev['LogicalResourceId']} ({ev['ResourceType']}): {ev.get('ResourceStatusReason', '')}"
                        )
            except (ClientError, BotoCoreError):
                pass
        if not lines and not cdk_error:
            return ""
        lines += [f"  cdk: {line}" for line in cdk_error.splitlines()]
        lines += [f"  moto: {e}" for e in emulator.errors(self.server.log())]
        return "\n".join(lines)

    def verify(self, stacks):
        cf = self.client("cloudformation")
        exports = {e["Name"]: e["Value"] for e in cf.list_exports().get("Exports", [])}
        outputs = {}
        for s in stacks:
            for o in cf.describe_stacks(StackName=s.name)["Stacks"][0].get("Outputs") or []:
                outputs[(s.name, o["OutputKey"])] = o["OutputValue"]
        skipped_types = emulator.unsupported_types(self.server.log())
        self.physical = {}
        for s in stacks:
            try:
                self.check_termination_protection(s)
                summaries = cf.list_stack_resources(StackName=s.name)["StackResourceSummaries"]
            except (ClientError, BotoCoreError) as e:
                # moto failed inside while the CLI reported success (seen: HTTP 500 on a tagged KMS key).
                errors = "".join(f"\n  moto: {err}" for err in emulator.errors(self.server.log()))
                raise Failed(f"stack {s.name} ({s.path}): moto cannot describe it: {_short(e)}{errors}") from None
            physical = {
                r["LogicalResourceId"]: r.get("PhysicalResourceId")
                for r in summaries
                if r.get("LogicalResourceId") and r.get("ResourceStatus") == "CREATE_COMPLETE"
            }
            self.physical[s.name] = physical
            resolver = Resolver(physical, s.account, s.region, s.name, exports, outputs)
            ctx = verify.Context(self.client, resolver, s.template)
            for logical, res in sorted(s.resources.items()):
                self.findings.append(self.verify_one(ctx, s, logical, res, physical, skipped_types))

    def verify_one(self, ctx, s, logical, res, physical, skipped_types):
        cfn_type = res.get("Type", "")
        f = Finding(s.name, logical, cfn_type, "not verified")
        if cfn_type in verify.IGNORED:
            f.status, f.notes = "ignored", ["metadata, not a resource"]
        elif logical not in physical:
            if cfn_type in skipped_types:
                f.notes = ["moto skips this type: not created"]
            else:
                f.status, f.notes = "failed", ["not created, although moto supports this type"]
        elif cfn_type.startswith("Custom::") or cfn_type == "AWS::CloudFormation::CustomResource":
            f.notes = [verify.CUSTOM_REASON]
        elif cfn_type not in verify.CHECKS:
            f.notes = ["created; no check for this type yet"]
        else:
            try:
                outcome = verify.run(ctx, cfn_type, res.get("Properties"), physical[logical])
            except verify.NotFound:
                f.status, f.notes = "failed", [f"not found through the API ({physical[logical]})"]
                return f
            except Exception as e:  # noqa: BLE001 - a check that crashes is a failed check, reported
                f.status, f.notes = "failed", [f"check raised {type(e).__name__}: {_short(e)}"]
                return f
            f.status = "failed" if outcome.problems else "verified"
            f.notes = outcome.problems + [f"not verified: {u}" for u in outcome.unverified]
        return f

    def check_termination_protection(self, s):
        got = (
            self.client("cloudformation")
            .describe_stacks(StackName=s.name)["Stacks"][0]
            .get("EnableTerminationProtection", False)
        )
        if bool(got) != s.termination_protection:
            self.findings.append(
                Finding(
                    s.name,
                    "(stack)",
                    "AWS::CloudFormation::Stack",
                    "failed",
                    [f"termination protection is {got}, the assembly says {s.termination_protection}"],
                )
            )

    def destroy(self, outdir, stacks):
        cf = self.client("cloudformation")
        for s in stacks:
            if s.termination_protection:
                # What an operator does before destroying a protected stack; verified on above.
                cf.update_termination_protection(StackName=s.name, EnableTerminationProtection=False)
                self.out(f"rehearsal {self.env}: lifted termination protection of {s.name} to rehearse its destroy")
        stages = list(dict.fromkeys(s.stage for s in reversed(stacks)))
        self.out(f"rehearsal {self.env}: destroying {', '.join(stages)}")
        # One stage at a time, the environment before its account stage, as an operator does:
        # CDK orders no stacks across stages, and CloudFormation refuses to delete the account
        # stack while a Cdc stack imports its export.
        for stage in stages:
            try:
                self.cdk("destroy", "--app", outdir, f"{stage}/*", "--force", log=f"cdk-destroy-{stage}.log")
            except Failed as e:
                # Still report what was verified, and what the failed destroy left behind.
                self.after_destroy.append(str(e).replace("\n", "\n    "))
        for s in stacks:
            self.check_stack_deleted(cf, s)
            self.check_resources_after_destroy(s)

    def check_stack_deleted(self, cf, s):
        try:
            status = cf.describe_stacks(StackName=s.name)["Stacks"][0]["StackStatus"]
        except ClientError:
            return  # gone: what cdk destroy promises
        if status != "DELETE_COMPLETE":
            self.after_destroy.append(f"stack {s.name}: {status} after cdk destroy")

    def check_resources_after_destroy(self, s):
        """What the template deletes must be gone; what it retains must still exist."""
        physical = self.physical.get(s.name, {})
        ctx = verify.Context(self.client, Resolver(physical, s.account, s.region, s.name), s.template)
        for logical, res in sorted(s.resources.items()):
            cfn_type = res.get("Type", "")
            if logical not in physical or cfn_type not in verify.CHECKS:
                continue
            retain = res.get("DeletionPolicy", "Delete") in RETAINED
            try:
                verify.run(ctx, cfn_type, res.get("Properties"), physical[logical])
                exists = True
            except verify.NotFound:
                exists = False
            except (ClientError, BotoCoreError, KeyError, IndexError, TypeError):
                continue  # a check that cannot run on a deleted resource proves nothing either way
            if exists and not retain:
                self.after_destroy.append(
                    f"{s.name}/{logical} ({cfn_type}): still exists after destroy, DeletionPolicy Delete"
                )
            elif retain and not exists:
                self.after_destroy.append(
                    f"{s.name}/{logical} ({cfn_type}): deleted, although DeletionPolicy is {res['DeletionPolicy']}"
                )
            elif exists:
                self.retained += 1
            else:
                self.gone += 1

    # ---- output -------------------------------------------------------------------------

    def report(self):
        by_type = defaultdict(int)
        for f in self.findings:
            if f.status == "verified":
                by_type[f.type] += 1
        self.out(f"verified ({sum(by_type.values())}): " + ", ".join(f"{t} {n}" for t, n in sorted(by_type.items())))
        partial = defaultdict(list)
        for f in self.findings:
            for n in f.notes if f.status == "verified" else []:
                partial[(f.type, n.removeprefix("not verified: "))].append(f.logical)
        if partial:
            self.out(f"  properties not verified ({sum(len(v) for v in partial.values())}):")
            for (t, why), logicals in sorted(partial.items()):
                self.out(f"    {t} {why}: {', '.join(logicals)}")
        groups = defaultdict(list)
        for f in self.findings:
            if f.status == "not verified":
                groups[(f.type, f.notes[0])].append(f.logical)
        if groups:
            self.out(f"not verified ({sum(len(v) for v in groups.values())}):")
            for (t, why), logicals in sorted(groups.items()):
                self.out(f"  {t} x{len(logicals)}: {why}: {', '.join(logicals)}")
        failed = [f for f in self.findings if f.status == "failed"]
        if failed:
            self.out(f"FAILED ({len(failed)}):")
            for f in failed:
                self.out(f"  {f.where} ({f.type}):")
                for n in f.notes:
                    self.out(f"    {n}")
        for problem in self.after_destroy:
            self.out(f"FAILED after destroy: {problem}")

    # ---- the CDK CLI --------------------------------------------------------------------

    def cdk(self, *args, log=None):
        """Runs the project's pinned CDK CLI; raises Failed with its last error lines."""
        env = dict(os.environ, **getattr(self, "env_vars", {}))
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        # The pinned CLI and Node.js 24 of node_modules/.bin, as the Makefile uses them.
        env["PATH"] = os.path.join(emulator.REPO, "node_modules", ".bin") + os.pathsep + env.get("PATH", "")
        cli = shutil.which("cdk", path=env["PATH"]) or "cdk"
        log_path = os.path.join(self.workdir, log or f"cdk-{args[0]}.log")
        with open(log_path, "w") as f:
            code = subprocess.run(
                [cli, *args, "--no-notices"],
                cwd=emulator.REPO,
                env=env,
                stdout=f,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            ).returncode
        if code != 0:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            server = getattr(self, "server", None)
            errors = emulator.errors(server.log()) if server and args[0] == "bootstrap" else []
            raise Failed(
                f"cdk {args[0]} exited with {code}:\n" + "\n".join(_error_lines(text) + [f"moto: {e}" for e in errors])
            )


def _error_lines(text):
    """The lines of CDK CLI output that say what went wrong: each ❌ line and the reason lines
    after it (or, without one, the output's tail)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    picked = []
    for i, line in enumerate(lines):
        if "❌" in line:
            picked.append(line)
            picked += [x for x in lines[i + 1 : i + 4] if not x.startswith("at ") and "❌" not in x]
    return list(dict.fromkeys(picked)) or lines[-8:]


def _short(e):
    text = str(e)
    return text if len(text) < 300 else text[:300] + "..."
