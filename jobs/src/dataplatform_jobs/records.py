"""Typing JSON lines by declared columns, for the API job and the speed layer alike: each line
is parsed with every column as text, then each value is converted with try_cast, so a record
that is not a JSON object, lacks a required column, or has a value that does not convert gets
the first such reason instead of being dropped or nulled silently."""

from functools import reduce

from pyspark.sql import functions as F
from pyspark.sql import types as T

RECORD, REASON = "record", "reason"
CORRUPT = "_corrupt_record"

# The Hive types config allows (and decimal(p,s), map<string,string>), as Spark types.
SPARK_TYPES = {
    "string": T.StringType(),
    "boolean": T.BooleanType(),
    "int": T.IntegerType(),
    "bigint": T.LongType(),
    "float": T.FloatType(),
    "double": T.DoubleType(),
    "date": T.DateType(),
    "timestamp": T.TimestampType(),
}


def is_map(kind):
    return kind.startswith("map<")


def spark_type(kind):
    """The Spark type of a config column type."""
    if kind in SPARK_TYPES:
        return SPARK_TYPES[kind]
    if is_map(kind):
        return T.MapType(T.StringType(), T.StringType())
    if kind.startswith("decimal("):
        precision, scale = kind[len("decimal(") : -1].split(",")
        return T.DecimalType(int(precision), int(scale))
    raise ValueError(f"no Spark type for column type {kind!r}")


def schema(columns):
    """The typed schema of (name, type) columns."""
    return T.StructType([T.StructField(name, spark_type(kind)) for name, kind in columns])


def raw_schema(columns):
    """Every column as the JSON text it arrives as (maps stay maps): types are checked after."""
    fields = [T.StructField(n, spark_type(k) if is_map(k) else T.StringType()) for n, k in columns]
    return T.StructType([*fields, T.StructField(CORRUPT, T.StringType())])


def judged(lines, columns, required):
    """lines (a RECORD column of JSON text, and any others) with each of columns typed and
    REASON: null where the line fits, else the first reason it does not. required maps the
    columns that must have a value to what they are ("key column", "event ID")."""
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
    parsed = lines.withColumn("_raw", F.from_json(F.col(RECORD), raw_schema(columns), options))
    is_object = F.col(RECORD).rlike(r"^\s*\{")
    checks = [(~is_object | F.col("_raw").isNull() | F.col(f"_raw.{CORRUPT}").isNotNull(), F.lit("not a JSON object"))]
    for name, what in required.items():
        checks.append((F.col(f"_raw.`{name}`").isNull(), F.lit(f"{what} {name} is missing or null")))
    converted = []
    for name, kind in columns:
        raw = F.col(f"_raw.`{name}`")
        value = raw if is_map(kind) else F.expr(f"try_cast(_raw.`{name}` AS {kind})")
        checks.append(
            (
                raw.isNotNull() & value.isNull(),
                F.concat(F.lit(f"{name}: "), raw.cast("string"), F.lit(f" is not a {kind}")),
            )
        )
        converted.append(value.alias(name))
    reason = reduce(lambda acc, c: acc.when(c[0], c[1]), checks[1:], F.when(*checks[0]))
    keep = [F.col(f"`{c}`") for c in lines.columns]
    return parsed.select(*keep, *converted, reason.alias(REASON))
