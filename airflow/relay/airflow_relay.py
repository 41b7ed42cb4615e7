"""The Airflow REST API relay: smoke.sh's way into an MWAA environment whose webserver is PRIVATE_ONLY.

MWAA's user guide ("Using the Apache Airflow REST API") says that with a private webserver
InvokeRestApi cannot be called from outside the environment's VPC, and a GitHub-hosted runner
is outside. This function runs in MWAA's private subnets and makes the call for it, through the
interface endpoint of com.amazonaws.<region>.airflow.env, the PrivateLink service of
env.airflow.<region>.amazonaws.com, which serves InvokeRestApi (MWAA API reference, "Endpoints";
MWAA user guide, "AWS PrivateLink for Amazon MWAA"). stacks/airflow_relay.go deploys it.

The event is {"method", "path", "body", "query"}; the answer {"status": RestApiStatusCode,
"response": RestApiResponse}. It relays only what the smoke run needs, so that it is no general
Airflow proxy: reads under /dags/platform_smoke, unpausing platform_smoke, and triggering one of
its runs. Anything else raises RelayRefused, which Lambda returns as a function error.
MWAA's own errors (an Airflow status of 400 or more, a call past 10 seconds) are raised too.

Lambda runs it on Python 3.12 with the runtime's boto3 (InvokeRestApi needs botocore 1.35 or
later). Its tests are dags/tests/test_relay.py.
"""

import os
import re

DAG = "platform_smoke"

# What the relay allows, per method: GET reads the DAG, its runs and task instances; PATCH only
# the DAG itself (smoke.sh unpauses it); POST only its dagRuns (smoke.sh triggers a run).
_SEGMENT = r"/[A-Za-z0-9_~-][A-Za-z0-9._~-]*"  # no "." or ".." segment, no "%", "?", "#"
ALLOWED = {
    "GET": re.compile(rf"/dags/{DAG}(?:{_SEGMENT})*"),
    "PATCH": re.compile(rf"/dags/{DAG}"),
    "POST": re.compile(rf"/dags/{DAG}/dagRuns"),
}
ALLOWED_TEXT = (
    f"GET /dags/{DAG} or a path under it, PATCH /dags/{DAG}, POST /dags/{DAG}/dagRuns; "
    "a path of at most 64 characters; body and query JSON objects"
)
# InvokeRestApi's Path is at most 64 characters (MWAA API reference, InvokeRestApi).
MAX_PATH = 64


class RelayRefused(ValueError):
    """A request the relay does not pass on; the message says what it allows."""


def check(event):
    """Returns (method, path, body, query) of an allowed event, or raises RelayRefused."""
    if not isinstance(event, dict):
        raise RelayRefused(f"the event must be a JSON object; the relay allows only {ALLOWED_TEXT}")
    unknown = sorted(set(event) - {"method", "path", "body", "query"})
    if unknown:
        raise RelayRefused(f"unknown field(s) {', '.join(unknown)}; the relay allows only {ALLOWED_TEXT}")
    method, path = event.get("method"), event.get("path")
    body, query = event.get("body"), event.get("query")
    if not isinstance(method, str) or method not in ALLOWED:
        raise RelayRefused(f"method {method!r} refused; the relay allows only {ALLOWED_TEXT}")
    if not isinstance(path, str) or len(path) > MAX_PATH or not ALLOWED[method].fullmatch(path):
        raise RelayRefused(f"{method} {path!r} refused; the relay allows only {ALLOWED_TEXT}")
    for name, value in (("body", body), ("query", query)):
        if value is not None and not isinstance(value, dict):
            raise RelayRefused(f"{name} must be a JSON object; the relay allows only {ALLOWED_TEXT}")
    return method, path, body, query


def relay(event, client, environment):
    """Checks the event and makes the one InvokeRestApi call it asks for."""
    method, path, body, query = check(event)
    args = {"Name": environment, "Method": method, "Path": path}
    if body is not None:
        args["Body"] = body
    if query is not None:
        args["QueryParameters"] = query
    answer = client.invoke_rest_api(**args)
    return {"status": answer["RestApiStatusCode"], "response": answer.get("RestApiResponse")}


_client = None


def handler(event, context):
    """Lambda's entry point: the environment comes from AIRFLOW_ENVIRONMENT, set by the stack."""
    global _client
    if _client is None:
        import boto3

        _client = boto3.client("mwaa")
    return relay(event, _client, os.environ["AIRFLOW_ENVIRONMENT"])
