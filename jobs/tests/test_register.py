"""Registering silver's tables in a Unity Catalog schema, here Spark's own catalog standing in
for Unity Catalog (the SQL is the same: CREATE TABLE ... USING DELTA LOCATION), with the staging
target's silver tables."""

import json
import logging

import pytest

from dataplatform_jobs import entrypoints, register, settings
from fixtures.bundle import target_variables
from tests.test_reconcile_and_maintenance import loaded_once  # noqa: F401 (a fixture)

SCHEMA = "spark_catalog.silver_registered"


@pytest.fixture
def schema(spark):
    spark.sql(f"CREATE SCHEMA {SCHEMA}")
    yield SCHEMA
    spark.sql(f"DROP SCHEMA {SCHEMA} CASCADE")


@pytest.fixture(scope="module")
def staging_tables():
    return settings.silver_tables(target_variables()["silver_tables"])


def test_written_tables_register_and_the_rest_wait(spark, module_lake, loaded_once, schema, staging_tables):  # noqa: F811
    table, _ = loaded_once
    silver = module_lake[1]
    registered, waiting = register.register(spark, silver, schema, staging_tables)
    assert registered == ["public_customers", "public_customers_history"]
    assert set(waiting) == {name for name, _ in staging_tables} - set(registered)
    current = (silver + table.current).rstrip("/")
    assert spark.table(f"{schema}.public_customers").count() == spark.read.format("delta").load(current).count() == 3
    # A second run finds them registered where they should be.
    assert register.register(spark, silver, schema, staging_tables) == (registered, waiting)


def test_a_name_on_another_location_fails_the_run(spark, module_lake, loaded_once, schema, staging_tables, tmp_path):  # noqa: F811
    elsewhere = str(tmp_path / "elsewhere")
    spark.range(1).write.format("delta").save(elsewhere)
    spark.sql(f"CREATE TABLE {schema}.public_customers USING DELTA LOCATION '{elsewhere}'")
    with pytest.raises(
        register.Misregistered,
        match=rf"{schema}.public_customers is registered on .*elsewhere, not on silver's .*customers",
    ):
        register.register(spark, module_lake[1], schema, staging_tables)


def test_without_a_schema_nothing_is_registered(lake, staging_tables, caplog):
    caplog.set_level(logging.INFO, logger="dataplatform_jobs")
    tables = json.dumps([{"name": n, "prefix": p} for n, p in staging_tables])
    # No Spark session is asked for: the task ends before.
    entrypoints.register_tables(["--silver", lake[1], "--schema", "", "--tables", tables])
    assert "no Unity Catalog schema" in caplog.text


@pytest.mark.parametrize(
    "schema, message",
    [("silver", "must be <catalog>.<schema>"), ("a.b.c", "must be <catalog>.<schema>"), ("Cat.silver", "lowercase")],
)
def test_a_bad_schema_is_refused(schema, message):
    with pytest.raises(settings.InvalidSettings, match=message):
        settings.schema(schema)


def test_a_bad_table_name_is_refused():
    with pytest.raises(settings.InvalidSettings, match=r"--tables\[0\]: name 'web-events' must be lowercase"):
        settings.silver_tables('[{"name": "web-events", "prefix": "kinesis/web-events/"}]')
