"""API to silver on local Spark with Delta; bronze is written by the DAG's own code
(fixtures/api.py: dags/platform_lib/bronze.py's object_key and to_json_lines), so the layout
is the DAG's (contracts/api.yaml). The two API sources are the test's own, declared as config
would declare them (fixtures.bundle), not the sample's: a team that removes the sample's keeps
these tests."""

import json
from datetime import date

import pytest

from dataplatform_jobs import api, settings
from fixtures import bundle
from fixtures.api import API_ROOT, bronze_lib, write_day

DAY = date(2026, 5, 1)
# A source keyed by a column of its records, and one keyed by a column and the ingestion day.
TRADE_COLUMNS = [
    ("trade_id", "bigint"),
    ("side", "string"),
    ("price", "decimal(38,10)"),
    ("size", "decimal(38,10)"),
    ("time", "timestamp"),
]
RATE_COLUMNS = [("currency", "string"), ("rates", "map<string,string>")]


@pytest.fixture(scope="module")
def variables(variables):
    """The bundle's variables with this module's two API sources as the only declared ones:
    conftest's lake declares silver's tables from them."""
    trades = bundle.api_source("trades", ["trade_id"], TRADE_COLUMNS)
    rates = bundle.api_source("rates", ["currency", variables["api_day_column"]], RATE_COLUMNS)
    return bundle.with_sources(variables, api_sources=[trades, rates])


@pytest.fixture(scope="module")
def api_sources(variables):
    return {s.name: s for s in settings.api_sources(variables["api_sources"])}


def trade(i, price="65000.12", **extra):
    return {
        "trade_id": i,
        "side": "buy",
        "price": price,
        "size": "0.0100",
        "time": "2026-05-01T12:00:00.123456Z",
        **extra,
    }


def ingest(lake, source, records, day=DAY, raw_lines=()):
    """Writes what the DAG writes for source and day (and raw_lines verbatim after)."""
    key = bronze_lib.object_key(API_ROOT, source.name, day)
    assert key.startswith(source.bronze), f"the DAG writes {key}, the job reads {source.bronze}"
    write_day(lake[0], source.name, records, day, raw_lines)


@pytest.fixture
def trades(api_sources):
    return api_sources["trades"]


def rows(spark, lake, table):
    return spark.read.format("delta").load(lake[1] + table).collect()


def run(spark, lake, source, variables, day=None):
    return api.run(spark, lake[0], lake[1], source, variables["api_day_column"], day)


def test_records_become_typed_rows_keyed_by_the_natural_key(spark, lake, trades, variables):
    ingest(lake, trades, [trade(1), trade(2), trade(2)])
    assert run(spark, lake, trades, variables) == (2, 0)
    got = {r.trade_id: r for r in rows(spark, lake, trades.current)}
    assert sorted(got) == [1, 2]
    assert str(got[1].price) == "65000.1200000000"
    assert got[1].dt == DAY
    assert got[1].time.isoformat().startswith("2026-05-01T12:00:00.123456")


def test_reingesting_a_day_is_idempotent(spark, lake, trades, variables):
    ingest(lake, trades, [trade(1), trade(2)], raw_lines=["not json"])
    run(spark, lake, trades, variables, day=DAY.isoformat())
    first = sorted(map(str, rows(spark, lake, trades.current)))
    quarantined = rows(spark, lake, trades.quarantine)
    run(spark, lake, trades, variables, day=DAY.isoformat())
    assert sorted(map(str, rows(spark, lake, trades.current))) == first
    assert len(rows(spark, lake, trades.quarantine)) == len(quarantined) == 1
    # The DAG re-fetches the day and the API now answers differently: the day's rows follow.
    ingest(lake, trades, [trade(1, price="1.5")])
    run(spark, lake, trades, variables, day=DAY.isoformat())
    assert {r.trade_id: str(r.price) for r in rows(spark, lake, trades.current)}[1] == "1.5000000000"
    assert rows(spark, lake, trades.quarantine) == [], "the day's quarantine is what its latest ingest found"


# Each line malformed in its own way, and the reason the job must give it.
MALFORMED = [
    ("{not json", "not a JSON object"),
    ("[1, 2]", "not a JSON object"),
    (json.dumps(trade(None)), "key column trade_id is missing or null"),
    (json.dumps({"side": "buy"}), "key column trade_id is missing or null"),
    (json.dumps(trade(3, price="a lot")), "price: a lot is not a decimal(38,10)"),
    (json.dumps(trade("three")), "trade_id: three is not a bigint"),
]


def test_malformed_records_are_quarantined_with_the_reason(spark, lake, trades, variables):
    """Every malformed line of a day is quarantined once with its own reason, beside the good
    record: one day of bronze holds them all, as one run of the job costs several seconds."""
    ingest(lake, trades, [trade(1)], raw_lines=[line for line, _ in MALFORMED])
    assert run(spark, lake, trades, variables) == (1, len(MALFORMED))
    got = sorted((bad.source, bad.record, bad.reason, bad.dt) for bad in rows(spark, lake, trades.quarantine))
    assert got == sorted((trades.name, line, reason, DAY) for line, reason in MALFORMED)
    assert [r.trade_id for r in rows(spark, lake, trades.current)] == [1]


def test_a_key_with_the_day(spark, lake, api_sources, variables):
    rates = api_sources["rates"]
    ingest(lake, rates, [{"currency": "USD", "rates": {"EUR": "0.9"}}], day=date(2026, 5, 1))
    ingest(lake, rates, [{"currency": "USD", "rates": {"EUR": "0.8"}}], day=date(2026, 5, 2))
    run(spark, lake, rates, variables)
    got = {(r.currency, r.dt.isoformat()): r.rates for r in rows(spark, lake, rates.current)}
    assert got == {("USD", "2026-05-01"): {"EUR": "0.9"}, ("USD", "2026-05-02"): {"EUR": "0.8"}}


def test_no_bronze_yet_is_no_run(spark, lake, trades, variables):
    assert run(spark, lake, trades, variables) == (0, 0)
