"""api_ingestion end to end in Airflow 3 (dag.test) against a loopback API and moto's S3."""

import json
from datetime import UTC, datetime

import pytest

from tests import api_stub
from tests.pipeline import OPTIONS, Alerts, Calls, load_dag, states

BUCKET = OPTIONS["platform.bronze_bucket"]
DAY = datetime(2026, 11, 30, tzinfo=UTC)
TRADES = [[{"trade_id": i, "price": "1.0"} for i in range(n, n + 2)] for n in (1, 3, 5)]
RATES = {"data": {"currency": "USD", "rates": {"EUR": "0.9"}}}


def trades_pages():
    return [api_stub.page(TRADES[0], cursor="c2"), api_stub.page(TRADES[1], cursor="c3"), api_stub.page(TRADES[2])]


@pytest.fixture
def bronze(aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def run(monkeypatch, tmp_path, script, mark_success=None, **when):
    """Runs api_ingestion over two sources served by the stub from script; the tasks that
    mark_success matches are marked successful instead of run."""
    from platform_lib import sources

    with api_stub.Server(script) as api:
        path = tmp_path / "api_sources.json"
        # The file's shape as make generate writes it (dags/api_sources.json), over plain HTTP to
        # the stub: the DAG pulls what the file says, config's rules being its only check.
        path.write_text(
            json.dumps(
                {
                    "generated": "by the test",
                    "sources": [
                        {
                            "name": "trades",
                            "url": api.url + "/trades",
                            "params": {"limit": "2"},
                            "pagination": {
                                "type": "header_cursor",
                                "header": "CB-AFTER",
                                "param": "after",
                                "max_pages": 5,
                            },
                        },
                        {"name": "rates", "url": api.url + "/rates", "params": {}, "records": "data"},
                    ],
                }
            )
        )
        monkeypatch.setattr(sources, "DEFAULT_FILE", str(path))
        dag_run = load_dag("api_ingestion").test(mark_success_pattern=mark_success, **when)
        return dag_run, api.requests, api.url


def objects(s3):
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_pulls_every_page_into_one_object_per_source_and_day(monkeypatch, tmp_path, bronze, moto):
    calls = Calls(moto)
    dag_run, requests, url = run(
        monkeypatch, tmp_path, {"/trades": trades_pages(), "/rates": [api_stub.page(RATES)]}, logical_date=DAY
    )
    assert states(dag_run) == {"ingest_trades": "success", "ingest_rates": "success"}
    assert objects(bronze) == {"api/trades/dt=2026-11-30/trades.json", "api/rates/dt=2026-11-30/rates.json"}
    trades = bronze.get_object(Bucket=BUCKET, Key="api/trades/dt=2026-11-30/trades.json")
    assert [json.loads(line) for line in trades["Body"].read().splitlines()] == sum(TRADES, [])
    assert trades["Metadata"] == {
        "pages": "3",
        "records": "6",
        "source-url": url + "/trades",
    }
    assert trades["ContentType"] == "application/x-ndjson"
    # The cursor of each page asks for the next one.
    assert [r for r in requests if r.startswith("/trades")] == [
        "/trades?limit=2",
        "/trades?limit=2&after=c2",
        "/trades?limit=2&after=c3",
    ]
    calls.assert_allowed("s3:PutObject")


def test_a_manual_run_without_logical_date_keys_by_run_after_and_a_rerun_overwrites(monkeypatch, tmp_path, bronze):
    # Keys are per source alike: one source (trades) is enough here.
    script = {"/trades": trades_pages()}
    for _ in range(2):
        dag_run, _, _ = run(
            monkeypatch,
            tmp_path,
            script,
            mark_success="ingest_rates",
            logical_date=None,
            run_after=datetime(2026, 12, 1, 13, 5, tzinfo=UTC),
        )
        assert dag_run.logical_date is None
        assert set(states(dag_run).values()) == {"success"}
    assert objects(bronze) == {"api/trades/dt=2026-12-01/trades.json"}


def test_a_passing_error_is_retried_then_succeeds(monkeypatch, tmp_path, bronze):
    # One run, one passing error per source: a 429 with Retry-After, and a 500.
    script = {
        "/trades": [api_stub.page({}, status=429, headers={"Retry-After": "1"}), *trades_pages()],
        "/rates": [api_stub.page({"message": "busy"}, status=500), api_stub.page(RATES)],
    }
    dag_run, requests, _ = run(monkeypatch, tmp_path, script, logical_date=DAY)
    assert set(states(dag_run).values()) == {"success"}
    assert [r for r in requests if r.startswith("/trades")][:2] == ["/trades?limit=2", "/trades?limit=2"]
    assert [r for r in requests if r.startswith("/rates")] == ["/rates", "/rates"]
    assert objects(bronze) == {"api/trades/dt=2026-11-30/trades.json", "api/rates/dt=2026-11-30/rates.json"}


def test_bad_input_fails_the_task_writes_nothing_and_each_task_alerts_in_its_own_words(
    monkeypatch, tmp_path, bronze, aws, moto
):
    # One run, one kind of bad input per source: a page that is not JSON, and a page without
    # the source's records key. default_args share one callback among all tasks: the alerts
    # must not share their text.
    alerts = Alerts(aws)
    calls = Calls(moto)
    script = {"/trades": [api_stub.raw(b"<html>maintenance</html>")], "/rates": [api_stub.page({"currency": "USD"})]}
    dag_run, _, _ = run(monkeypatch, tmp_path, script, logical_date=DAY)
    assert states(dag_run) == {"ingest_trades": "failed", "ingest_rates": "failed"}
    assert objects(bronze) == set(), "a failed source wrote nothing"
    received = sorted(alerts.received(), key=lambda a: a["Subject"])
    assert [a["Subject"] for a in received] == [
        "Airflow api_ingestion: task ingest_rates failed",
        "Airflow api_ingestion: task ingest_trades failed",
    ]
    for alert, task in zip(received, ["ingest_rates", "ingest_trades"], strict=True):
        assert f"run {dag_run.run_id}: task {task} failed" in alert["Message"]
    # The bronze write's calls are checked where it runs (test_pulls_every_page_...).
    calls.assert_allowed("sns:Publish")
