"""One local SparkSession with Delta for the whole test session, and the jobs' settings as
the staging target of the bundle gives them (jobs/targets.yml, generated from config/), with
the lake's buckets replaced by temporary directories."""

import json
import os
import shutil

import pytest
import yaml
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession

from dataplatform_jobs import settings

JOBS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def target_variables(target="staging"):
    with open(os.path.join(JOBS, "targets.yml")) as f:
        return yaml.safe_load(f)["targets"][target]["variables"]


@pytest.fixture(scope="session")
def spark():
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("dataplatform-jobs-tests")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.default.parallelism", "2")
        # Delta lists files (VACUUM, the stream's source) with this many tasks: 10,000 by default.
        .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # What the bundle's clusters set (resources/*.yml).
        .config("spark.databricks.delta.properties.defaults.enableDeletionVectors", "false")
    )
    session = configure_spark_with_delta_pip(builder).getOrCreate()
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
