"""Where the smoke run looks for its marked data: bronze's objects (as DMS and Firehose write
them) and silver's and gold's tables through Athena. Each check returns (arrived, seen)."""

import gzip
import io
import json
import time

import pyarrow.parquet as pq

# An Athena query that has not finished in this time fails its check.
QUERY_TIMEOUT_SECONDS = 300


def new_objects(s3, bucket, prefix, since):
    """(written, key) of the objects under prefix written at or after since (epoch seconds),
    oldest first: written, S3's LastModified, is when the object arrived in bronze."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["LastModified"].timestamp() >= since:
                found.append((obj["LastModified"].timestamp(), obj["Key"]))
    return sorted(found)


def _body(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def dms_changes(s3, bucket, prefix, since, op_column, key_column):
    """{(op, key): when it arrived} of the rows of DMS's Parquet objects under prefix written
    since: what bronze holds of the changes made then (a delete's row carries the key columns
    only)."""
    seen = {}
    for written, key in new_objects(s3, bucket, prefix, since):
        if not key.endswith(".parquet"):
            continue
        table = pq.read_table(io.BytesIO(_body(s3, bucket, key)), columns=[op_column, key_column])
        for change in zip(table.column(op_column).to_pylist(), table.column(key_column).to_pylist(), strict=True):
            seen.setdefault(change, written)
    return seen


def firehose_event_ids(s3, bucket, prefix, since, event_id):
    """{event ID: when it arrived} of Firehose's objects under prefix written since: Parquet
    (.parquet) or JSON Lines (gzip-compressed for .gz; blank lines skipped), by the object's
    extension, since an environment may override a stream's declared format."""
    ids = {}
    for written, key in new_objects(s3, bucket, prefix, since):
        body = _body(s3, bucket, key)
        if key.endswith(".parquet"):
            found = pq.read_table(io.BytesIO(body), columns=[event_id]).column(0).to_pylist()
        else:
            text = (gzip.decompress(body) if key.endswith(".gz") else body).decode("utf-8")
            found = [json.loads(line).get(event_id) for line in text.splitlines() if line.strip()]
        for i in found:
            ids.setdefault(i, written)
    return ids


class QueryFailed(RuntimeError):
    """An Athena query failed or did not finish: the message has its SQL and Athena's reason."""


def query(athena, workgroup, sql, timeout=QUERY_TIMEOUT_SECONDS, clock=time.monotonic, sleep=time.sleep):
    """Runs sql in workgroup (its result location and limits are the workgroup's, enforced) and
    returns the rows after the header, each a list of strings (None for NULL)."""
    qid = athena.start_query_execution(QueryString=sql, WorkGroup=workgroup)["QueryExecutionId"]
    deadline = clock() + timeout
    while True:
        status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
        if status["State"] == "SUCCEEDED":
            break
        if status["State"] in ("FAILED", "CANCELLED"):
            raise QueryFailed(f"Athena {status['State']}: {status.get('StateChangeReason', '')} for: {sql}")
        if clock() >= deadline:
            athena.stop_query_execution(QueryExecutionId=qid)
            raise QueryFailed(f"Athena query not finished after {timeout} s, stopped: {sql}")
        sleep(1)
    rows = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
        for row in page["ResultSet"]["Rows"]:
            rows.append([d.get("VarCharValue") for d in row["Data"]])
    return rows[1:]


def count(athena, workgroup, sql):
    """The single number a count(*) query answers."""
    ((n,),) = query(athena, workgroup, sql)
    return int(n)


def table(database, name):
    return f'"{database}"."{name}"'


def in_list(values):
    """A SQL IN list of the smoke's own values: integers, or strings of [a-z0-9-] only."""
    out = []
    for v in values:
        if isinstance(v, int):
            out.append(str(v))
        elif isinstance(v, str) and all(c.isalnum() or c == "-" for c in v):
            out.append(f"'{v}'")
        else:
            raise ValueError(f"{v!r} is not a value the smoke run marks with")
    return ", ".join(out)
