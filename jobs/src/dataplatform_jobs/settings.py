"""What the jobs are told about the tables they write: the JSON the bundle's variables carry
(generated from config/ by cmd/bundle), parsed and checked before any data is touched."""

import json
import re
from dataclasses import dataclass


class InvalidSettings(ValueError):
    """A job parameter does not describe tables the job can write."""


@dataclass(frozen=True)
class Columns:
    """DMS's own columns in every bronze row of a replicated table."""

    op: str
    timestamp: str
    sequence: str


@dataclass(frozen=True)
class RdsTable:
    """A replicated table: its key, where DMS writes it, and where its silver tables live."""

    name: str
    key: tuple
    bronze: str
    current: str
    history: str
    state: str
    # The served table's change key, whose newest value in silver the batch job records in the
    # watermarks table for the serving view; "" for the other tables.
    change_key: str = ""
    watermarks: str = ""


@dataclass(frozen=True)
class ApiSource:
    """An API source: its natural key, typed columns and where its silver tables live."""

    name: str
    key: tuple
    columns: tuple  # (name, type) pairs
    bronze: str
    current: str
    quarantine: str


def _entries(text, what, fields, empty_ok=False):
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidSettings(f"--{what}: not JSON ({e})") from None
    if not isinstance(entries, list) or not (entries or empty_ok):
        raise InvalidSettings(f"--{what}: must be a {'' if empty_ok else 'non-empty '}JSON array")
    for i, entry in enumerate(entries):
        missing = [f for f in fields if not isinstance(entry, dict) or f not in entry]
        if missing:
            raise InvalidSettings(f"--{what}[{i}]: missing {', '.join(missing)}; each entry needs {', '.join(fields)}")
        for f in fields:
            if f in ("key", "columns"):
                if not isinstance(entry[f], list) or not entry[f]:
                    raise InvalidSettings(f"--{what}[{i}] ({entry.get('name')}): {f} must be a non-empty list")
            elif f not in ("name", "partition_keys") and not (isinstance(entry[f], str) and entry[f].endswith("/")):
                raise InvalidSettings(
                    f"--{what}[{i}] ({entry.get('name')}): {f} {entry[f]!r} must be a prefix ending in /"
                )
    return entries


def rds_tables(text):
    """Parses --tables: the replicated tables; none where config declares none (a platform
    whose sources are all streams or APIs)."""
    fields = ("name", "key", "bronze", "current", "history", "state")
    out = []
    for i, e in enumerate(_entries(text, "tables", fields, empty_ok=True)):
        change_key, watermarks = e.get("change_key", ""), e.get("watermarks", "")
        if change_key and not watermarks.endswith("/"):
            raise InvalidSettings(f"--tables[{i}] ({e['name']}): a change key needs watermarks, a prefix ending in /")
        out.append(
            RdsTable(
                e["name"], tuple(e["key"]), e["bronze"], e["current"], e["history"], e["state"], change_key, watermarks
            )
        )
    return out


def api_sources(text):
    """Parses --sources: the API sources; none where config declares none."""
    fields = ("name", "key", "columns", "bronze", "current", "quarantine")
    out = []
    for e in _entries(text, "sources", fields, empty_ok=True):
        columns = tuple((c["name"], c["type"]) for c in e["columns"])
        out.append(ApiSource(e["name"], tuple(e["key"]), columns, e["bronze"], e["current"], e["quarantine"]))
    return out


# A Unity Catalog table or schema name part, as config makes them.
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def silver_tables(text):
    """Parses --tables of register_tables: silver's tables by name and prefix."""
    entries = _entries(text, "tables", ("name", "prefix"))
    for i, e in enumerate(entries):
        if not isinstance(e["name"], str) or not NAME.match(e["name"]):
            raise InvalidSettings(f"--tables[{i}]: name {e['name']!r} must be lowercase letters, digits and _")
    return [(e["name"], e["prefix"]) for e in entries]


@dataclass(frozen=True)
class SilverTable:
    """A silver table as config declares it: its name (Glue's), its prefix under silver, and its
    columns and partition columns as (name, Hive type) pairs, in order."""

    name: str
    prefix: str
    columns: tuple
    partition_keys: tuple


def _typed_columns(value, where, field, empty_ok):
    if not isinstance(value, list) or not (value or empty_ok):
        raise InvalidSettings(f"{where}: {field} must be a {'' if empty_ok else 'non-empty '}list of {{name, type}}")
    if not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("type"), str) for c in value
    ):
        raise InvalidSettings(f"{where}: {field} must be a list of {{name, type}}")
    return tuple((c["name"], c["type"]) for c in value)


def declared_tables(text, flag="silver-tables"):
    """Parses --silver-tables (create_tables' --tables: flag, which errors name): every silver
    table with its declared schema, as the Glue catalog has it."""
    out = []
    for i, e in enumerate(_entries(text, flag, ("name", "prefix", "columns", "partition_keys"))):
        where = f"--{flag}[{i}] ({e['name']})"
        if not isinstance(e["name"], str) or not NAME.match(e["name"]):
            raise InvalidSettings(f"{where}: name must be lowercase letters, digits and _")
        columns = _typed_columns(e["columns"], where, "columns", empty_ok=False)
        partitions = _typed_columns(e["partition_keys"], where, "partition_keys", empty_ok=True)
        names = [n for n, _ in columns + partitions]
        if len(set(names)) != len(names):
            raise InvalidSettings(f"{where}: a column is declared twice in {names}")
        out.append(SilverTable(e["name"], e["prefix"], columns, partitions))
    return out


def schema(text):
    """Parses --schema: a Unity Catalog schema, <catalog>.<schema>, or "" for none."""
    if text and (text.count(".") != 1 or not all(NAME.match(part) for part in text.split("."))):
        raise InvalidSettings(
            f"--schema {text!r} must be <catalog>.<schema> (lowercase letters, digits and _), or empty"
        )
    return text


def join(root, prefix):
    """root (a URI or directory ending in /) and a prefix of it."""
    if not root.endswith("/"):
        raise InvalidSettings(f"location {root!r} must end with /")
    return root + prefix


@dataclass(frozen=True)
class Stream:
    """A stream the speed layer reads: its declared schema, where Firehose writes it, where its
    silver tables and checkpoints live, and how its query runs."""

    name: str
    metric: str  # the freshness metric's Stream dimension
    format: str  # json or parquet
    extension: str
    columns: tuple  # (name, type) pairs
    event_id: str
    event_time: str
    day_column: str
    bronze: str
    errors: str  # a Parquet stream's conversion errors; "" for JSON
    events: str
    late: str
    quarantine: str
    state: str
    buffering_seconds: int  # Firehose's buffering interval, the first part of the latency
    trigger_seconds: int
    max_files_per_trigger: int
    max_bytes_per_trigger: int
    watermark_seconds: int


STREAM_FORMATS = ("json", "parquet")
# Columns the speed layer adds to a stream's tables, besides its day column (config.streaming).
RESERVED_COLUMNS = ("record", "reason")


def streams(text):
    """Parses --streams: the streams of the speed layer (an empty list where it is off)."""
    if text is None:
        raise InvalidSettings("--streams: missing; the bundle passes the streams as JSON")
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidSettings(f"--streams: not JSON ({e})") from None
    if not isinstance(entries, list):
        raise InvalidSettings("--streams: must be a JSON array")
    prefixes = ("bronze", "events", "late", "quarantine", "state")
    numbers = (
        "buffering_seconds",
        "trigger_seconds",
        "max_files_per_trigger",
        "max_bytes_per_trigger",
        "watermark_seconds",
    )
    text_fields = ("name", "metric", "format", "extension", "event_id", "event_time", "day_column", "errors")
    out = []
    for i, e in enumerate(entries):
        fields = (*text_fields, "columns", *prefixes, *numbers)
        missing = [f for f in fields if not isinstance(e, dict) or f not in e]
        if missing:
            raise InvalidSettings(f"--streams[{i}]: missing {', '.join(missing)}; each entry needs {', '.join(fields)}")
        where = f"--streams[{i}] ({e['name']})"
        for f in prefixes:
            if not (isinstance(e[f], str) and e[f].endswith("/")):
                raise InvalidSettings(f"{where}: {f} {e[f]!r} must be a prefix ending in /")
        for f in numbers:
            if not isinstance(e[f], int) or e[f] < 0:
                raise InvalidSettings(f"{where}: {f} {e[f]!r} must be a whole number, 0 or more")
        if e["format"] not in STREAM_FORMATS:
            raise InvalidSettings(f"{where}: format {e['format']!r} must be one of {', '.join(STREAM_FORMATS)}")
        if not isinstance(e["columns"], list) or not all(
            isinstance(c, dict) and {"name", "type"} <= set(c) for c in e["columns"]
        ):
            raise InvalidSettings(f"{where}: columns must be a list of {{name, type}}")
        columns = tuple((c["name"], c["type"]) for c in e["columns"])
        kinds = dict(columns)
        reserved = {e["day_column"], *RESERVED_COLUMNS} & set(kinds)
        if len(kinds) != len(columns) or reserved:
            raise InvalidSettings(
                f"{where}: column names must be unique and not {sorted(reserved) or 'repeated'} (the job adds those)"
            )
        if e["trigger_seconds"] < 1 or bool(e["max_files_per_trigger"]) == bool(e["max_bytes_per_trigger"]):
            raise InvalidSettings(
                f"{where}: needs trigger_seconds >= 1 and exactly one of max_files_per_trigger, max_bytes_per_trigger"
            )
        if (e["format"] == "parquet") != bool(e["errors"]) or e["errors"] and not e["errors"].endswith("/"):
            raise InvalidSettings(
                f"{where}: errors must be the conversion errors' prefix (ending in /) for parquet, empty for json"
            )
        if kinds.get(e["event_id"]) != "string" or kinds.get(e["event_time"]) != "timestamp":
            raise InvalidSettings(
                f"{where}: event_id {e['event_id']!r} must be a string column and event_time "
                f"{e['event_time']!r} a timestamp column of its columns"
            )
        out.append(Stream(**{f: e[f] for f in (*text_fields, *prefixes, *numbers)}, columns=columns))
    return out
