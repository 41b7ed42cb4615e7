"""Where and how API responses land in the bronze bucket."""

import json
import re
from datetime import date, datetime

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def object_key(api_prefix, source, logical_date):
    """The one object a run of source for logical_date writes:
    <api_prefix><source>/dt=YYYY-MM-DD/<source>.json, e.g. api/coinbase/dt=2024-05-01/coinbase.json.

    The key depends only on the source and the run's logical date, never on the wall clock, so
    a retried or re-run task overwrites its own output instead of adding a duplicate.
    """
    if not api_prefix.endswith("/"):
        raise ValueError(f"api prefix {api_prefix!r} must end with /")
    return f"{api_prefix}{source}/dt={_day(logical_date)}/{source}.json"


def _day(logical_date):
    if isinstance(logical_date, datetime):
        return logical_date.date().isoformat()
    if isinstance(logical_date, date):
        return logical_date.isoformat()
    if isinstance(logical_date, str) and DATE_PATTERN.match(logical_date):
        date.fromisoformat(logical_date)  # rejects 2024-02-30
        return logical_date
    raise ValueError(f"logical date {logical_date!r} must be a date, a datetime or YYYY-MM-DD")


def to_json_lines(records):
    """Newline-delimited JSON, one record per line: what Glue's JSON classifier and Athena read."""
    return "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records).encode("utf-8")


def write_records(s3, bucket, key, records, metadata=None):
    """Writes records to s3://bucket/key, replacing what a previous attempt wrote there.
    The bucket's default encryption (SSE-KMS with the data-lake key) applies. Returns the
    number of bytes written."""
    body = to_json_lines(records)
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson",
                  Metadata={k: str(v) for k, v in (metadata or {}).items()})
    return len(body)
