"""One local SparkSession with Delta for the whole test session, and the jobs' settings as
the staging target of the bundle gives them (jobs/targets.yml, generated from config/), with
the lake's buckets replaced by temporary directories."""

import json
import os
import shutil

import pytest
import yaml

from dataplatform_jobs import local, settings

JOBS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def target_variables(target="staging"):
    with open(os.path.join(JOBS, "targets.yml")) as f:
        return yaml.safe_load(f)["targets"][target]["variables"]


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
def lake(tmp_path):
    """Empty bronze and silver 'buckets' (directories ending in /)."""
    bronze, silver = tmp_path / "bronze", tmp_path / "silver"
    bronze.mkdir()
    silver.mkdir()
    yield str(bronze) + "/", str(silver) + "/"
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture(scope="session")
def variables():
    return target_variables()


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
