"""A local Spark session with Delta, set up as the jobs' clusters are (the bundle's Spark conf):
for --local runs, the tests and the benchmark. delta-spark must be installed, as in this
project's dev environment; the Delta jars come from Maven Central at the first session."""

# What every local session sets; callers add their own conf on top.
CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    # What the bundle's clusters set (resources/*.yml): a table made outside tables.ensure gets
    # deletion vectors too, as tables.properties gives every silver table (every reader of silver
    # reads them: docs/jobs.md, "Silver tables").
    "spark.databricks.delta.properties.defaults.enableDeletionVectors": "true",
    # Delta's log and the streams' checkpoints on local files commit by a plain rename. Their
    # defaults rename through Hadoop's FileContext, which runs `readlink` in a new process twice
    # per rename (RawLocalFileSystem's link status): 3,280 processes in test_cdc.py alone. The
    # local log store is Delta's own for one JVM on a local disk; the clusters use Databricks'.
    "spark.delta.logStore.file.impl": "io.delta.storage.LocalLogStore",
    "spark.sql.streaming.checkpointFileManagerClass": (
        "org.apache.spark.sql.execution.streaming.FileSystemBasedCheckpointFileManager"
    ),
}

# For a few rows (the tests, make pipeline): one task thread and one partition, as a task is then
# all fixed cost, and a second one per stage doubles it while the machine's other core runs
# another suite (make test); and Spark's interpreted operators, which it keeps equal to the
# generated ones: compiling generated code for each new plan costs more than it saves (a third
# of the jobs' tests' time).
FEW_ROWS = {
    "spark.master": "local[1]",
    "spark.default.parallelism": "1",
    "spark.sql.shuffle.partitions": "1",
    "spark.databricks.delta.snapshotPartitions": "1",
    # Delta lists files (VACUUM, the stream's source) with this many tasks: 10,000 by default.
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}

# For a short run on a few rows (make pipeline): the JVM's client compiler only, and its serial
# collector. In a run of a minute, C2's optimizing compiles and G1's concurrent threads cost more
# CPU than they save: make pipeline used 120 s of CPU with the defaults, 85 s with these, in the
# same time. Not for the jobs' tests, which run for minutes: their test_cdc.py took 191 s and
# 288 s of CPU with the defaults, 219 s and 273 s with these. The benchmarks keep the defaults,
# as the clusters do.
SHORT_RUN = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


def session(master="local[*]", conf=None):
    """A SparkSession on master with Delta, CONF and conf."""
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master)
    for key, value in {**CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    return configure_spark_with_delta_pip(builder).getOrCreate()
