"""API to silver: the JSON Lines the api_ingestion DAG writes per source and day
(api/<source>/dt=YYYY-MM-DD/<source>.json) become a typed Delta table keyed by the source's
natural key. A record that is not a JSON object, lacks a key column or has a value that does
not convert to its column's type goes to the source's quarantine table with the reason: never
dropped silently. Re-ingesting a day replaces that day's quarantine rows and leaves the typed
table as one row per key, so a re-run is idempotent."""

from functools import reduce

from pyspark.sql import Window
from pyspark.sql import functions as F

from . import records, tables

RECORD, REASON = records.RECORD, records.REASON


def read_days(spark, bronze, source, day_column, day=None):
    """The source's bronze lines, one row per line with its day: all days, or only day."""
    base = bronze + source.bronze
    path = base + (f"{day_column}={day}/" if day else "")
    lines = spark.read.option("basePath", base).option("recursiveFileLookup", "false").text(path)
    if day:
        lines = lines.withColumn(day_column, F.lit(day))
    return lines.withColumn(day_column, F.col(day_column).cast("date")).withColumnRenamed("value", RECORD)


def typed(lines, source, day_column):
    """(good, quarantined): lines typed by the source's columns, and the lines that don't fit
    with the first reason found."""
    required = {name: "key column" for name in source.key if name != day_column}
    judged = records.judged(lines, source.columns, required)
    names = [n for n, _ in source.columns]
    good = judged.where(F.col(REASON).isNull()).select(*names, day_column, RECORD)
    bad = judged.where(F.col(REASON).isNotNull()).select(F.lit(source.name).alias("source"), day_column, RECORD, REASON)
    return good, bad


def one_per_key(good, source):
    """One row per natural key: a key repeated (a page fetched twice) keeps the greatest record
    text, so the choice is the same on every run."""
    w = Window.partitionBy(*[F.col(f"`{k}`") for k in source.key]).orderBy(F.col(RECORD).desc())
    return good.withColumn("_n", F.row_number().over(w)).where("_n = 1").drop("_n", RECORD)


def unchanged(columns):
    """True when a matched row already holds the source's values (maps compared as JSON)."""
    same = []
    for name, kind in columns:
        if kind.startswith("map<"):
            same.append(F.to_json(F.col(f"s.`{name}`")).eqNullSafe(F.to_json(F.col(f"t.`{name}`"))))
        else:
            same.append(F.col(f"s.`{name}`").eqNullSafe(F.col(f"t.`{name}`")))
    return reduce(lambda a, b: a & b, same)


def run(spark, bronze, silver, source, day_column, day=None, retention_days=7):
    """Types the source's bronze days (all, or only day) into silver. Returns (rows, quarantined)."""
    try:
        lines = read_days(spark, bronze, source, day_column, day)
    except Exception as e:
        if tables.missing_path(e):
            return 0, 0
        raise
    good, bad = typed(lines, source, day_column)
    rows = one_per_key(good, source)
    # Both tables first: a column config does not declare stops the run before any write.
    current = tables.ensure(spark, silver + source.current, rows.schema, retention_days)
    tables.ensure(spark, silver + source.quarantine, bad.schema, retention_days)
    key_match = tables.key_match(source.key)
    all_columns = [*source.columns, (day_column, "date")]
    (
        current.alias("t")
        .merge(rows.alias("s"), key_match)
        .whenMatchedUpdateAll(condition=~unchanged(all_columns))
        .whenNotMatchedInsertAll()
        .execute()
    )
    bad = bad.cache()
    days = sorted(r[0].isoformat() for r in lines.select(day_column).distinct().collect())
    if days:
        # One commit replaces the days' quarantine rows: a re-run never doubles them.
        listed = ", ".join(f"DATE'{d}'" for d in days)
        (
            bad.write.format("delta")
            .mode("overwrite")
            .option("replaceWhere", f"`{day_column}` IN ({listed})")
            .save((silver + source.quarantine).rstrip("/"))
        )
    return rows.count(), bad.count()
