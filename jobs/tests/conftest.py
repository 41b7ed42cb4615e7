"""One local SparkSession with Delta for the whole test session, and the jobs' settings as
the staging target of the bundle gives them (jobs/targets.yml, generated from config/), with
the lake's buckets replaced by temporary directories, and silver's tables declared as config
declares them: every test's writes are held to the declarations, as the jobs' are."""

import dataclasses
import json
import shutil

import pytest

from dataplatform_jobs import local, settings, tables
from fixtures.bundle import target_variables


@pytest.fixture(scope="session")
def spark():
    session = local.session(
        "local[2]",
        {
            "spark.app.name": "dataplatform-jobs-tests",
            "spark.sql.shuffle.partitions": "2",
            "spark.databricks.delta.snapshotPartitions": "2",
            "spark.default.parallelism": "2",
            # Delta lists files (VACUUM, the stream's source) with this many tasks: 10,000 by default.
            "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
            "spark.ui.enabled": "false",
            # The tests' data is a few rows: compiling generated code for each new plan costs
            # more than it saves (a third of the suite's time), so the tests run Spark's
            # interpreted operators, which Spark keeps equal to the generated ones.
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def lake(tmp_path, variables):
    """Empty bronze and silver 'buckets' (directories ending in /), silver's tables declared
    (tables.declare) as the bundle's silver_tables declares them."""
    bronze, silver = tmp_path / "bronze", tmp_path / "silver"
    bronze.mkdir()
    silver.mkdir()
    tables.declare(str(silver) + "/", settings.declared_tables(variables["silver_tables"]))
    yield str(bronze) + "/", str(silver) + "/"
    tables.declare(str(silver) + "/", [])
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture(scope="session")
def variables():
    return target_variables()


def declare_with(silver, variables, prefixes, *added):
    """Declares silver's tables as config does once each (column, after) of added is added to the
    tables at prefixes: the column ((name, Hive type)) after the column named after. What a
    config change and a deploy do."""

    def wider(t):
        columns = t.columns
        for column, after in added:
            at = [n for n, _ in columns].index(after) + 1
            columns = (*columns[:at], column, *columns[at:])
        return dataclasses.replace(t, columns=columns)

    declared = settings.declared_tables(variables["silver_tables"])
    tables.declare(silver, [wider(t) if t.prefix in prefixes else t for t in declared])


@pytest.fixture(scope="session")
def columns(variables):
    return settings.Columns(variables["op_column"], variables["timestamp_column"], variables["sequence_column"])


@pytest.fixture(scope="session")
def rds_tables(variables):
    return {t.name: t for t in settings.rds_tables(variables["rds_tables"])}


@pytest.fixture(scope="session")
def api_sources(variables):
    return {s.name: s for s in settings.api_sources(variables["api_sources"])}


def as_json(value):
    return json.dumps(value)
