"""The smoke run's marked data: canary orders in the source database and canary events on the
streams, both marked as smoke_plan.json says (config: the canary customer, the event ID prefix),
which the warehouse's staging models filter out, so no marked row reaches gold.

The database is written as the role platform_smoke, through the functions the one-time set-up
made (config/sources/smoke_setup.sql): it holds no table privilege, and the functions touch only
the canary customer's orders.
"""

import json
import time
from datetime import UTC, datetime

import psycopg2

# A connection that does not answer in this time is unreachable (a security group, a route).
CONNECT_TIMEOUT_SECONDS = 10


class Unreachable(RuntimeError):
    """The source database cannot be reached or logged in to as the smoke's role."""


def connect(secret_string, timeout=CONNECT_TIMEOUT_SECONDS):
    """A connection, in autocommit (each change is its own transaction, as DMS should see it),
    from the canary secret (RDS-style JSON: host, port, dbname, username, password). TLS is
    required: RDS for PostgreSQL 15+ forces it (libpq ignores it on a local socket)."""
    secret = json.loads(secret_string)
    where = f"{secret.get('host')}:{secret.get('port')}/{secret.get('dbname')} as {secret.get('username')}"
    try:
        conn = psycopg2.connect(
            host=secret["host"],
            port=int(secret["port"]),
            dbname=secret["dbname"],
            user=secret["username"],
            password=secret["password"],
            sslmode="require",
            connect_timeout=timeout,
            application_name="platform_smoke",
        )
    except psycopg2.OperationalError as e:
        raise Unreachable(
            f"the source database {where} cannot be reached: {str(e).strip()}. Check that MWAA's security "
            "group is admitted on the database port, and that the one-time set-up (docs/operations.md, "
            "'Smoke run: one-time set-up') created the role with the canary secret's password. Nothing was written."
        ) from e
    conn.autocommit = True
    return conn


def order_ids(now=None):
    """Two canary order IDs for a run: negative (real orders' are not), and unique to the
    millisecond the run marks at."""
    base = int((now or time.time()) * 1000) * 10
    return [-(base + 1), -(base + 2)]


def mark_orders(conn, ids):
    """Inserts both orders, ships the first and cancels the second: an insert, an update and a
    delete, each its own transaction. Returns the changes DMS should carry, as (op, order_id)."""
    placed, cancelled = ids
    with conn.cursor() as cur:
        for order_id in ids:
            cur.execute("SELECT platform_smoke.place_order(%s)", (order_id,))
        cur.execute("SELECT platform_smoke.ship_order(%s)", (placed,))
        (shipped,) = cur.fetchone()
        cur.execute("SELECT platform_smoke.cancel_order(%s)", (cancelled,))
        (gone,) = cur.fetchone()
    if (shipped, gone) != (1, 1):
        raise RuntimeError(f"platform_smoke: shipped {shipped} and cancelled {gone} canary orders, expected 1 and 1")
    return [("I", placed), ("I", cancelled), ("U", placed), ("D", cancelled)]


def clear_orders(conn):
    """Deletes every canary order left in the source (CDC then removes it from silver's current
    table); returns how many."""
    with conn.cursor() as cur:
        cur.execute("SELECT platform_smoke.clear_orders()")
        return cur.fetchone()[0]


def canary_orders(conn):
    """The canary orders in the source now: [(order_id, status)]."""
    with conn.cursor() as cur:
        cur.execute("SELECT order_id, status FROM platform_smoke.canary_orders()")
        return cur.fetchall()


def event_time(t):
    """A timestamp as the streams' producers send it: UTC in Hive's format, which Firehose's
    OpenX JSON SerDe and Spark both read (jobs/fixtures/firehose.py)."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


# A marked event's value for each declared type, where the column is neither the event ID, the
# event time nor the marker column.
PLACEHOLDERS = {
    "string": "platform-smoke",
    "boolean": False,
    "int": 0,
    "bigint": 0,
    "float": 0.0,
    "double": 0.0,
}


def event(stream, marker, event_id, now):
    """One marked event of a declared stream: its event ID carries the marker's prefix, a column
    named like the database's marker column carries the canary customer, and one named like the
    served table's key a canary order ID (so the serving check can look for it)."""
    record = {}
    for column in stream["columns"]:
        name, kind = column["name"], column["type"]
        if name == stream["eventId"]:
            record[name] = event_id
        elif name == marker.get("column"):
            record[name] = marker["customerId"]
        elif name == marker.get("keyColumn"):
            record[name] = marker["orderId"]
        elif kind == "timestamp":
            record[name] = event_time(now)
        elif kind == "date":
            record[name] = now.astimezone(UTC).date().isoformat()
        else:
            record[name] = PLACEHOLDERS.get(kind, "platform-smoke")
    return record


def event_ids(prefix, run_tag, count):
    return [f"{prefix}{run_tag}-{n}" for n in range(count)]


def put_events(kinesis, stream_name, records):
    """Puts records on a Kinesis stream, each partitioned by its position; fails naming the
    stream when Kinesis refused any (PutRecords answers per record)."""
    answer = kinesis.put_records(
        StreamName=stream_name,
        Records=[{"Data": json.dumps(r).encode(), "PartitionKey": str(n)} for n, r in enumerate(records)],
    )
    if answer.get("FailedRecordCount"):
        errors = {r.get("ErrorCode") for r in answer["Records"] if r.get("ErrorCode")}
        raise RuntimeError(
            f"Kinesis stream {stream_name} refused {answer['FailedRecordCount']} marked events: {errors}"
        )


def now():
    return datetime.now(UTC)
