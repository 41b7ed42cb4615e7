"""The Airflow REST API relay (airflow/relay/airflow_relay.py), with a stub MWAA client.

The relay is not a DAG and must not ship with them: it lives in airflow/relay/, which neither
the DAGs' deployment nor MWAA's requirements deployment copies, and is deployed as a Lambda
function by stacks/airflow_relay.go. This project's pytest configuration puts that directory on
the import path (pyproject.toml, pythonpath), so it is imported by its module name.
"""

import pytest

import airflow_relay

ENVIRONMENT = "dp-staging-airflow"
RUN = "/dags/platform_smoke/dagRuns/smk-1796693161-73ec"


class StubMwaa:
    """Records invoke_rest_api's arguments and answers like MWAA."""

    def __init__(self, status=200, response=None):
        self.calls = []
        self.answer = {"RestApiStatusCode": status, "RestApiResponse": response or {"ok": True}}

    def invoke_rest_api(self, **kwargs):
        self.calls.append(kwargs)
        return self.answer


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"method": "PATCH", "path": "/dags/platform_smoke", "body": {"is_paused": False}},
            {"Method": "PATCH", "Path": "/dags/platform_smoke", "Body": {"is_paused": False}},
        ),
        (
            {
                "method": "POST",
                "path": "/dags/platform_smoke/dagRuns",
                "body": {"dag_run_id": "smk-1", "logical_date": None},
            },
            {
                "Method": "POST",
                "Path": "/dags/platform_smoke/dagRuns",
                "Body": {"dag_run_id": "smk-1", "logical_date": None},
            },
        ),
        ({"method": "GET", "path": RUN}, {"Method": "GET", "Path": RUN}),
        (
            {"method": "GET", "path": RUN + "/taskInstances", "query": {"limit": 100, "offset": 0}},
            {"Method": "GET", "Path": RUN + "/taskInstances", "QueryParameters": {"limit": 100, "offset": 0}},
        ),
        ({"method": "GET", "path": "/dags/platform_smoke"}, {"Method": "GET", "Path": "/dags/platform_smoke"}),
    ],
)
def test_relays_what_the_smoke_calls(event, expected):
    mwaa = StubMwaa(response={"state": "running"})
    assert airflow_relay.relay(event, mwaa, ENVIRONMENT) == {"status": 200, "response": {"state": "running"}}
    assert mwaa.calls == [{"Name": ENVIRONMENT, **expected}]


@pytest.mark.parametrize(
    "event",
    [
        {"method": "GET", "path": "/connections"},
        {"method": "GET", "path": "/variables"},
        {"method": "GET", "path": "/dags/bronze_pipeline/dagRuns"},
        {"method": "GET", "path": "/dags/platform_smokes"},
        {"method": "GET", "path": "/dags/platform_smoke/../../connections"},
        {"method": "GET", "path": "/dags/platform_smoke/%2e%2e/%2e%2e/connections"},
        {"method": "GET", "path": "/dags/platform_smoke/dagRuns?limit=1"},
        {"method": "GET", "path": "/dags/platform_smoke//dagRuns"},
        {"method": "GET", "path": "/dags/platform_smoke/dagRuns/" + "x" * 40},
        {"method": "PATCH", "path": RUN, "body": {"state": "success"}},
        {"method": "PATCH", "path": "/dags/bronze_pipeline", "body": {"is_paused": True}},
        {"method": "POST", "path": "/dags/platform_smoke/clearTaskInstances", "body": {}},
        {"method": "POST", "path": "/dags/bronze_pipeline/dagRuns", "body": {"logical_date": None}},
        {"method": "DELETE", "path": "/dags/platform_smoke"},
        {"method": "PUT", "path": "/dags/platform_smoke"},
        {"method": "get", "path": "/dags/platform_smoke"},
        {"path": "/dags/platform_smoke"},
        {"method": "GET"},
        {"method": "POST", "path": "/dags/platform_smoke/dagRuns", "body": "[]"},
        {"method": "GET", "path": RUN, "query": [1]},
        {"method": "GET", "path": RUN, "name": "another-environment"},
        "GET /connections",
    ],
)
def test_refuses_everything_else_naming_what_it_allows(event):
    mwaa = StubMwaa()
    with pytest.raises(airflow_relay.RelayRefused) as refused:
        airflow_relay.relay(event, mwaa, ENVIRONMENT)
    assert mwaa.calls == [], "nothing refused reaches MWAA"
    assert airflow_relay.ALLOWED_TEXT in str(refused.value)


def test_passes_airflows_status_on():
    mwaa = StubMwaa(status=404, response={"detail": "not found"})
    answer = airflow_relay.relay({"method": "GET", "path": RUN}, mwaa, ENVIRONMENT)
    assert answer == {"status": 404, "response": {"detail": "not found"}}


def test_handler_calls_the_configured_environment(monkeypatch):
    mwaa = StubMwaa()
    monkeypatch.setattr(airflow_relay, "_client", mwaa)
    monkeypatch.setenv("AIRFLOW_ENVIRONMENT", ENVIRONMENT)
    assert airflow_relay.handler({"method": "GET", "path": RUN}, None)["status"] == 200
    assert mwaa.calls == [{"Name": ENVIRONMENT, "Method": "GET", "Path": RUN}]
