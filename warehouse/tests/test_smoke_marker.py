"""The smoke run's marked data (dags/platform_smoke.py) never reaches gold: the pipeline's
sample carries it as the smoke writes it (the canary customer, canary orders placed, shipped and
cancelled, marked events on each stream), silver holds it, and no gold model shows any of it."""

import os

import pytest
from duckdb_plugins.silver_delta import read


def silver(pipeline, path):
    """A silver table's rows as dbt reads them (its deletion vectors applied)."""
    return read(os.path.join(pipeline, "silver", path)).to_pylist()


def gold_models(manifest):
    """The names of every model dbt builds into gold but staging's: the marts and serving views."""
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1:2] != ["staging"]:
            yield node["name"]


def test_silver_holds_the_marked_data(pipeline, sample):
    """The other half of the check below: without it, a sample without marked data would pass."""
    smoke = sample["smoke"]
    assert smoke["customer"] in {r["customer_id"] for r in silver(pipeline, "rds/public/customers")}
    current = {r["order_id"]: r["status"] for r in silver(pipeline, "rds/public/orders")}
    shipped, cancelled = smoke["orders"]
    assert current.get(shipped) == "smoke-shipped" and cancelled not in current
    history = [r["order_id"] for r in silver(pipeline, "rds/public/orders_history")]
    assert history.count(shipped) == 2 and history.count(cancelled) == 2  # placed, shipped; placed, cancelled
    for stream in ("web-events", "orders-events"):
        ids = [r["event_id"] for r in silver(pipeline, f"kinesis/{stream}")]
        assert any(i.startswith(smoke["event_prefix"]) for i in ids), stream


# Marked events reach gold only through the orders (their order ID, checked here) or as counts
# (test_pipeline's event metrics, which a marked event would make one too many).
@pytest.mark.parametrize("marker", ["customer_id", "order_id"])
def test_no_marked_row_reaches_any_gold_model(gold, sample, manifest, marker):
    smoke = sample["smoke"]
    where = {
        "customer_id": f"customer_id = {smoke['customer']}",
        "order_id": "order_id < 0",
    }[marker]
    checked = []
    for model in gold_models(manifest):
        relation = f"local_gold.{model}"
        present = {
            c[0] for c in gold(f"select column_name from information_schema.columns where table_name = '{model}'")
        }
        if marker in present:
            assert gold(f"select count(*) from {relation} where {where}") == [(0,)], f"{model} shows marked rows"
            checked.append(model)
    assert checked, f"no gold model has a {marker} column to check"
