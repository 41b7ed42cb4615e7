"""One local SparkSession with Delta for the whole test session, and the jobs' settings as
the staging target of the bundle gives them (jobs/targets.yml, generated from config/), with
the lake's buckets replaced by temporary directories, and silver's tables declared as config
declares them: every test's writes are held to the declarations, as the jobs' are."""

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile

import pytest

from dataplatform_jobs import local, settings, tables
from fixtures.bundle import target_variables

# Where the tests' temporary directories go when pytest is given none (--basetemp): a RAM disk
# with room to spare, when the machine has one. Every Delta commit, checkpoint and stream offset
# is a small file written, renamed and listed; on a shared disk those waits cost an eighth of the
# time (measured on six of the slowest tests: 90 s on disk, 78 s here). The suite writes a few
# MB; the floor leaves room for a machine's other users. A container's default /dev/shm (64 MB)
# falls below it: the disk is used.
RAM_DISK, RAM_DISK_FLOOR = "/dev/shm", 1 << 30


def ram_disk(path=RAM_DISK, floor=RAM_DISK_FLOOR):
    """path when it is a writable directory with at least floor bytes free, else None."""
    if not (os.path.isdir(path) and os.access(path, os.W_OK)):
        return None
    stat = os.statvfs(path)
    return path if stat.f_bavail * stat.f_frsize >= floor else None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # tryfirst: before pytest's tmp_path plugin reads --basetemp in its own pytest_configure.
    where = ram_disk()
    if config.option.basetemp is None and where is not None:
        config.option.basetemp = config._jobs_basetemp = tempfile.mkdtemp(prefix="jobs-tests-", dir=where)


def pytest_unconfigure(config):
    made = getattr(config, "_jobs_basetemp", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)  # RAM: nothing is kept for a later look


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    # One task thread and one partition, interpreted operators (local.FEW_ROWS). The JVM's
    # collector and compiler are set for the same reason: the serial collector has no threads to
    # run beside the tests, and compiling a method only after four times as many calls leaves the
    # lukewarm code interpreted. test_cdc.py alone: 262 s of CPU with two threads, 233 s with
    # one, 223 s with the serial collector, 200 s compiling later (215 s at twelve times as many
    # calls).
    session = local.session(
        conf={
            **local.FEW_ROWS,
            "spark.app.name": "dataplatform-jobs-tests",
            "spark.ui.enabled": "false",
            "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:CompileThresholdScaling=4",
            # Spark's scratch space (cached batches, shuffle files) beside the tests' lakes.
            "spark.local.dir": str(tmp_path_factory.mktemp("spark-local")),
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@contextlib.contextmanager
def new_lake(root, variables):
    """Empty bronze and silver 'buckets' (directories ending in /) under root, silver's tables
    declared (tables.declare) as the bundle's silver_tables declares them until the end."""
    bronze, silver = root / "bronze", root / "silver"
    bronze.mkdir()
    silver.mkdir()
    tables.declare(str(silver) + "/", settings.declared_tables(variables["silver_tables"]))
    try:
        yield str(bronze) + "/", str(silver) + "/"
    finally:
        tables.declare(str(silver) + "/", [])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def lake(tmp_path, variables):
    """A test's own lake (new_lake)."""
    with new_lake(tmp_path, variables) as made:
        yield made


@pytest.fixture(scope="module")
def module_lake(tmp_path_factory, variables):
    """A lake (new_lake) that a module's tests share: for a fixture whose result they only
    read. Its silver stays declared only until the next test's lake declares its own."""
    with new_lake(tmp_path_factory.mktemp("lake"), variables) as made:
        yield made


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
