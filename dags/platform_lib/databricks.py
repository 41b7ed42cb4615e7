"""Triggers a Databricks job through the Jobs 2.1 REST API and waits for its result.

The workspace URL and token live in one Secrets Manager secret (JSON with keys "host" and
"token") whose name the Airflow stack passes as platform.databricks_secret.
"""

import json
import time

from platform_lib.http_fetch import Retry


class DatabricksError(RuntimeError):
    """The secret, the job ID or the job run is not usable."""


PLACEHOLDER_HOST = "https://REPLACE-ME.cloud.databricks.com"


def credentials(secrets, secret_id):
    """Returns (host, token) from the secret; refuses the placeholder the stack generates."""
    raw = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise DatabricksError(f"secret {secret_id} is not JSON") from e
    host, token = str(value.get("host", "")).rstrip("/"), value.get("token", "")
    if not host.startswith("https://") or host == PLACEHOLDER_HOST:
        raise DatabricksError(f"secret {secret_id}: set host to your workspace URL (https://...), see README")
    if not token:
        raise DatabricksError(f"secret {secret_id}: token is empty")
    return host, token


def parse_job_id(value):
    """The Databricks job ID from an Airflow Variable, or None when it is unset (the pipeline
    then skips the job: an environment without Databricks still catalogs bronze)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not text.isdigit():
        raise DatabricksError(f"Databricks job ID {text!r} must be a positive integer")
    return int(text)


def run_now(session, host, token, job_id, retry=Retry()):
    """Starts the job and returns its run ID."""
    response = session.post(f"{host}/api/2.1/jobs/run-now", json={"job_id": job_id},
                            headers=_auth(token), timeout=retry.timeout_seconds)
    if response.status_code != 200:
        raise DatabricksError(f"run-now of job {job_id}: HTTP {response.status_code}: {response.text[:200]}")
    return response.json()["run_id"]


def wait_for_run(session, host, token, run_id, poll_seconds=30, timeout_seconds=6 * 3600,
                 sleep=time.sleep, clock=time.monotonic, retry=Retry()):
    """Polls the run until it terminates; returns its result state or raises DatabricksError
    unless that state is SUCCESS."""
    deadline = clock() + timeout_seconds
    while True:
        response = session.get(f"{host}/api/2.1/jobs/runs/get", params={"run_id": run_id},
                               headers=_auth(token), timeout=retry.timeout_seconds)
        if response.status_code != 200:
            raise DatabricksError(f"runs/get {run_id}: HTTP {response.status_code}: {response.text[:200]}")
        state = response.json().get("state", {})
        if state.get("life_cycle_state") in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR"):
            result = state.get("result_state", state.get("life_cycle_state"))
            if result != "SUCCESS":
                raise DatabricksError(f"run {run_id} ended {result}: {state.get('state_message', '')}")
            return result
        if clock() >= deadline:
            raise DatabricksError(f"run {run_id} still {state.get('life_cycle_state')} after {timeout_seconds}s")
        sleep(poll_seconds)


def _auth(token):
    return {"Authorization": f"Bearer {token}"}
