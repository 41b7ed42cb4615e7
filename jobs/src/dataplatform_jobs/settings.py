"""What the jobs are told about the tables they write: the JSON the bundle's variables carry
(generated from config/ by cmd/bundle), parsed and checked before any data is touched."""

import json
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


@dataclass(frozen=True)
class ApiSource:
    """An API source: its natural key, typed columns and where its silver tables live."""

    name: str
    key: tuple
    columns: tuple  # (name, type) pairs
    bronze: str
    current: str
    quarantine: str


def _entries(text, what, fields):
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidSettings(f"--{what}: not JSON ({e})") from None
    if not isinstance(entries, list) or not entries:
        raise InvalidSettings(f"--{what}: must be a non-empty JSON array")
    for i, entry in enumerate(entries):
        missing = [f for f in fields if not isinstance(entry, dict) or f not in entry]
        if missing:
            raise InvalidSettings(f"--{what}[{i}]: missing {', '.join(missing)}; each entry needs {', '.join(fields)}")
        for f in fields:
            if f in ("key", "columns"):
                if not isinstance(entry[f], list) or not entry[f]:
                    raise InvalidSettings(f"--{what}[{i}] ({entry.get('name')}): {f} must be a non-empty list")
            elif f != "name" and not (isinstance(entry[f], str) and entry[f].endswith("/")):
                raise InvalidSettings(
                    f"--{what}[{i}] ({entry.get('name')}): {f} {entry[f]!r} must be a prefix ending in /"
                )
    return entries


def rds_tables(text):
    """Parses --tables: the replicated tables."""
    fields = ("name", "key", "bronze", "current", "history", "state")
    return [
        RdsTable(e["name"], tuple(e["key"]), e["bronze"], e["current"], e["history"], e["state"])
        for e in _entries(text, "tables", fields)
    ]


def api_sources(text):
    """Parses --sources: the API sources."""
    fields = ("name", "key", "columns", "bronze", "current", "quarantine")
    out = []
    for e in _entries(text, "sources", fields):
        columns = tuple((c["name"], c["type"]) for c in e["columns"])
        out.append(ApiSource(e["name"], tuple(e["key"]), columns, e["bronze"], e["current"], e["quarantine"]))
    return out


def join(root, prefix):
    """root (a URI or directory ending in /) and a prefix of it."""
    if not root.endswith("/"):
        raise InvalidSettings(f"location {root!r} must end with /")
    return root + prefix
