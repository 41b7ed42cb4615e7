"""Where and how API responses land in the bronze bucket."""

import json
from datetime import date, datetime


def object_key(api_prefix, source, day):
    """The one object a run of source for day writes:
    <api_prefix><source>/dt=YYYY-MM-DD/<source>.json, e.g. api/coinbase/dt=2024-05-01/coinbase.json.

    The key depends only on the source and the run's day (run_day), never on the wall clock,
    so a retried or re-run task overwrites its own output instead of adding a duplicate.
    """
    if not api_prefix.endswith("/"):
        raise ValueError(f"api prefix {api_prefix!r} must end with /")
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(day, date):
        raise ValueError(f"day {day!r} must be a date or a datetime")
    return f"{api_prefix}{source}/dt={day.isoformat()}/{source}.json"


def run_day(dag_run):
    """The day a DAG run's data belongs to: its logical date's day, or, for a manual or API
    run that Airflow 3 gives no logical date, the day it was run for (run_after). Both are
    fixed when the run is created, so every retry of the run writes the same key, and a second
    manual run of a day replaces that day's object."""
    when = dag_run.logical_date or dag_run.run_after
    if when is None:
        raise ValueError(f"DAG run {dag_run.run_id!r} has neither a logical date nor run_after")
    return when.date()


def to_json_lines(records):
    """Newline-delimited JSON, one record per line: what Glue's JSON classifier and Athena read."""
    return "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in records).encode("utf-8")


def write_records(s3, bucket, key, records, metadata=None):
    """Writes records to s3://bucket/key in one PUT, replacing what a previous attempt wrote
    there. The bucket's default encryption (SSE-KMS with the data-lake key) applies. Returns
    the number of bytes written."""
    body = to_json_lines(records)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="application/x-ndjson",
        Metadata={k: str(v) for k, v in (metadata or {}).items()},
    )
    return len(body)
