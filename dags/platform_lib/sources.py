"""The public HTTP APIs the api_ingestion DAG pulls, read from api_sources.json.

Each source is one JSON object:

    {"name": "coinbase_btc_usd_trades",          # bronze folder: api/<name>/
     "url": "https://api.exchange.coinbase.com/products/BTC-USD/trades",
     "params": {"limit": "100"},                  # optional query parameters
     "records": "",                               # optional key holding the records; "" = whole body
     "pagination": {"type": "header_cursor",      # optional: "none" (default) or "header_cursor"
                    "header": "CB-AFTER", "param": "after", "max_pages": 5}}
"""

import json
import os
import re
from dataclasses import dataclass, field

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
# Plain HTTP to this machine, for the DAG tests' stand-in API only: off unless a test sets it.
LOOPBACK_URL = re.compile(r"^http://(127\.0\.0\.1|localhost)(:[0-9]+)?/")
ALLOW_LOOPBACK = False
DEFAULT_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "api_sources.json")


class InvalidSource(ValueError):
    """api_sources.json describes a source the DAG cannot pull."""


@dataclass(frozen=True)
class Pagination:
    """How to ask for the next page: a cursor returned in a response header."""

    type: str = "none"
    header: str = ""
    param: str = ""
    max_pages: int = 1


@dataclass(frozen=True)
class Source:
    """One HTTP endpoint whose responses land in bronze under api/<name>/."""

    name: str
    url: str
    params: dict = field(default_factory=dict)
    records: str = ""
    pagination: Pagination = Pagination()


def parse(raw):
    """Validates a decoded api_sources.json document and returns its sources."""
    if not isinstance(raw, list) or not raw:
        raise InvalidSource("api_sources.json must be a non-empty JSON array of sources")
    sources, seen = [], set()
    for i, item in enumerate(raw):
        where = f"source {i}"
        if not isinstance(item, dict):
            raise InvalidSource(f"{where}: must be a JSON object")
        name = item.get("name", "")
        if not NAME_PATTERN.match(name):
            raise InvalidSource(
                f"{where}: name {name!r} must be 2-63 lowercase letters, digits or _, starting with a letter"
            )
        if name in seen:
            raise InvalidSource(f"{where}: name {name!r} is used twice")
        seen.add(name)
        url = item.get("url", "")
        if not (url.startswith("https://") or (ALLOW_LOOPBACK and LOOPBACK_URL.match(url))):
            raise InvalidSource(f"{name}: url {url!r} must start with https://")
        params = item.get("params", {})
        if not isinstance(params, dict):
            raise InvalidSource(f"{name}: params must be a JSON object")
        sources.append(
            Source(
                name=name,
                url=url,
                params={k: str(v) for k, v in params.items()},
                records=item.get("records", ""),
                pagination=_pagination(name, item.get("pagination")),
            )
        )
    return sources


def _pagination(name, raw):
    if raw is None:
        return Pagination()
    kind = raw.get("type", "none")
    if kind == "none":
        return Pagination()
    if kind != "header_cursor":
        raise InvalidSource(f"{name}: pagination type {kind!r} must be none or header_cursor")
    max_pages = raw.get("max_pages", 1)
    if not isinstance(max_pages, int) or not 1 <= max_pages <= 100:
        raise InvalidSource(f"{name}: pagination max_pages {max_pages!r} must be an integer from 1 to 100")
    if not raw.get("header") or not raw.get("param"):
        raise InvalidSource(f"{name}: header_cursor pagination needs header and param")
    return Pagination(type=kind, header=raw["header"], param=raw["param"], max_pages=max_pages)


def load(path=None):
    """Reads and validates the sources file deployed next to the DAGs (DEFAULT_FILE)."""
    with open(path or DEFAULT_FILE, encoding="utf-8") as f:
        return parse(json.load(f))
