"""The public HTTP APIs the api_ingestion DAG pulls, read from api_sources.json.

The file is generated from config/sources/api.yaml by make generate (go run ./cmd/dags) and
shipped with the DAGs; config's rules validate every source before it is written, so this
module only reads it. Its shape:

    {"generated": "... do not edit",
     "sources": [
       {"name": "coinbase_btc_usd_trades",          # bronze folder: api/<name>/
        "url": "https://api.exchange.coinbase.com/products/BTC-USD/trades",
        "params": {"limit": "1000"},                 # query parameters, as text
        "records": "data",                           # optional key holding the records; none: the whole body
        "pagination": {"type": "header_cursor",      # optional: one page without it
                       "header": "CB-AFTER", "param": "after", "max_pages": 5}}]}
"""

import json
import os
from dataclasses import dataclass, field

DEFAULT_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "api_sources.json")


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


def parse(doc):
    """The sources of a decoded api_sources.json."""
    return [
        Source(
            name=item["name"],
            url=item["url"],
            params=item["params"],
            records=item.get("records", ""),
            pagination=Pagination(**item["pagination"]) if "pagination" in item else Pagination(),
        )
        for item in doc["sources"]
    ]


def load(path=None):
    """Reads the sources file deployed next to the DAGs (DEFAULT_FILE)."""
    with open(path or DEFAULT_FILE, encoding="utf-8") as f:
        return parse(json.load(f))
