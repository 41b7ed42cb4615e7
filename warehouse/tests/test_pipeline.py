"""The whole pipeline's gold (make pipeline), against what its sample holds (the pipeline's
sample.json): the batch and speed flows delivered into one answer."""

import json
import os

import pytest

from tests.conftest import WAREHOUSE


def count(gold, sql):
    return gold(sql)[0][0]


def models():
    """The names of the project's models, from the shipped manifest (test_manifest.py checks
    that it is current)."""
    with open(os.path.join(WAREHOUSE, "manifest.json")) as f:
        return {n["name"] for n in json.load(f)["nodes"].values() if n["resource_type"] == "model"}


def example_model(name):
    """Runs the test only where the project has the example gold model name: docs/sources.md's
    "Remove a sample source" deletes it with the sample source it reads."""
    return pytest.mark.skipif(name not in models(), reason=f"no model {name}: its sample source was removed")


@example_model("dim_customers")
@example_model("fct_orders")
def test_gold_holds_the_batch_flows_tables(gold, sample):
    assert count(gold, "select count(*) from local_gold.dim_customers") == sample["customers"]
    # The deleted order is gone from the current state.
    assert count(gold, "select count(*) from local_gold.fct_orders") == sample["orders"] - sample["deleted"]
    paid = count(gold, "select count(*) from local_gold.fct_orders where status = 'paid'")
    assert paid == sample["paid"], "the batch knows the payments, not the shipments since"


@example_model("daily_trades")
def test_gold_holds_the_api_flows_trades(gold, sample):
    trades = dict(gold("select product, sum(trades) from local_gold.daily_trades group by 1"))
    assert trades == {
        "BTC-USD": sample["trades"]["coinbase_btc_usd_trades"],
        "ETH-USD": sample["trades"]["coinbase_eth_usd_trades"],
    }


@example_model("daily_exchange_rates")
def test_gold_holds_the_api_flows_exchange_rates(gold):
    assert count(gold, "select count(*) from local_gold.daily_exchange_rates") > 0


@example_model("daily_web_events")
def test_gold_holds_the_streams_event_metrics(gold, sample):
    assert count(gold, "select sum(events) from local_gold.daily_web_events") == sample["web_events"]


@example_model("order_status_current")
def test_the_serving_view_answers_from_both_flows(gold, sample):
    current = dict(
        ((s, f), n)
        for s, f, n in gold("select status, flow, count(*) from local_gold.order_status_current group by 1, 2")
    )
    shipped, paid, new = sample["shipped"], sample["paid"], sample["new_in_stream"]
    assert current == {
        # Shipped since the batch's run: only the stream knows.
        ("shipped", "speed"): shipped,
        # Paid before it: the batch has them (and the stream too, recognised by the change key).
        ("paid", "batch"): paid - shipped,
        ("new", "batch"): sample["orders"] - paid - sample["deleted"],
        # New orders the database has not delivered to bronze yet.
        ("new", "speed"): new,
    }


@example_model("order_status_changes")
def test_no_change_is_counted_twice(gold, sample):
    changes = count(gold, "select count(*) from local_gold.order_status_changes")
    # The batch's: the full load, the payments and the delete; the stream's after the watermark:
    # the shipments and the new orders. The payments the stream carries too are not counted again.
    assert (
        changes == sample["orders"] + sample["paid"] + sample["deleted"] + sample["shipped"] + sample["new_in_stream"]
    )
