"""Each smoke stage's check: given what was marked, whether the marked data has arrived where
the stage looks, what was seen there and, where bronze's objects tell it, when it arrived (S3's
LastModified); a stage read through Athena arrived when a check first saw it. Run by smoke.wait."""

from platform_lib import arrivals
from platform_lib.arrivals import count, in_list, table

# Bronze objects are matched by their write time against the marking time less this much:
# S3's clock and the worker's may differ by a little.
CLOCK_SKEW_SECONDS = 60


class Lake:
    """The clients and names a check reads with: the execution role's S3 and Athena (its dbt
    workgroup), the lake's bucket and databases."""

    def __init__(self, s3, athena, workgroup, bronze_bucket, silver_db, gold_db):
        self.s3, self.athena, self.workgroup = s3, athena, workgroup
        self.bronze, self.silver, self.gold = bronze_bucket, silver_db, gold_db

    def count(self, sql):
        return count(self.athena, self.workgroup, sql)


def database_bronze(lake, plan, marks):
    db = plan["database"]
    wanted = {tuple(c) for c in marks["changes"]}
    since = marks["marked_at"] - CLOCK_SKEW_SECONDS

    def check():
        seen = arrivals.dms_changes(lake.s3, lake.bronze, db["bronzePrefix"], since, db["opColumn"], db["key"][0])
        found = f"{len(wanted & seen.keys())} of the {len(wanted)} marked changes in {db['bronzePrefix']}"
        return wanted <= seen.keys(), found, max((seen[c] for c in wanted if c in seen), default=None)

    return check


def database_silver(lake, plan, marks):
    db, (shipped, cancelled) = plan["database"], marks["orders"]
    key = db["key"][0]

    def check():
        rows = arrivals.query(
            lake.athena,
            lake.workgroup,
            f"SELECT {key}, status FROM {table(lake.silver, db['silverCurrent'])} "
            f"WHERE {key} IN ({in_list([shipped, cancelled])})",
        )
        return rows == [[str(shipped), "smoke-shipped"]], f"current rows {rows} (expected only the shipped order)"

    return check


def database_history(lake, plan, marks):
    db, ids = plan["database"], marks["orders"]

    def check():
        n = lake.count(
            f"SELECT count(*) FROM {table(lake.silver, db['silverHistory'])} WHERE {db['key'][0]} IN ({in_list(ids)})"
        )
        return n >= len(marks["changes"]), f"{n} of the {len(marks['changes'])} marked changes in the history"

    return check


def serving(lake, plan, marks):
    """The serving view answers after the marked data was merged, and shows none of it (the
    staging models filter the marker out)."""
    view, key, ids = plan["database"]["servingView"], plan["database"]["key"][0], marks["orders"]

    def check():
        n = lake.count(f"SELECT count(*) FROM {table(lake.gold, view)} WHERE {key} IN ({in_list(ids)})")
        if n:
            raise AssertionError(
                f"the serving view {view} shows {n} marked rows: the staging models must filter the marker"
            )
        return True, f"{view} answers and hides the marked rows"

    return check


def stream_bronze(lake, plan, marks):
    since = marks["marked_at"] - CLOCK_SKEW_SECONDS

    def check():
        missing, last = {}, None
        for stream in plan["streams"]:
            wanted = set(marks["events"][stream["name"]])
            seen = arrivals.firehose_event_ids(lake.s3, lake.bronze, stream["bronzePrefix"], since, stream["eventId"])
            if not wanted <= seen.keys():
                missing[stream["name"]] = len(wanted - seen.keys())
            last = max([last or 0, *(seen[i] for i in wanted if i in seen)])
        return not missing, f"marked events not yet in bronze: {missing}" if missing else "every marked event", last

    return check


def stream_silver(lake, plan, marks):
    def check():
        missing = {}
        for stream in plan["streams"]:
            ids = marks["events"][stream["name"]]
            n = lake.count(
                f"SELECT count(*) FROM {table(lake.silver, stream['silverTable'])} "
                f"WHERE {stream['eventId']} IN ({in_list(ids)})"
            )
            if n < len(ids):
                missing[stream["name"]] = len(ids) - n
        return not missing, f"marked events not yet in silver: {missing}" if missing else "every marked event"

    return check


def api_bronze(lake, plan, marks):
    def check():
        bucket, key = marks["key"].removeprefix("s3://").split("/", 1)
        written = lake.s3.head_object(Bucket=bucket, Key=key)["LastModified"].timestamp()
        return True, f"{marks['key']} ({marks['records']} records)", written

    return check


def api_silver(lake, plan, marks):
    api = plan["api"]

    def check():
        n = lake.count(
            f"SELECT count(*) FROM {table(lake.silver, api['silverTable'])} WHERE {api['dayColumn']} = DATE '{marks['day']}'"
        )
        return n > 0, f"{n} rows of {marks['day']} in {api['silverTable']}"

    return check


CHECKS = {
    "database_bronze": database_bronze,
    "database_silver": database_silver,
    "database_history": database_history,
    "database_serving": serving,
    "stream_bronze": stream_bronze,
    "stream_silver": stream_silver,
    "stream_serving": serving,
    "api_bronze": api_bronze,
    "api_silver": api_silver,
}


def readers(athena, workgroup, plan, databases):
    """Queries a non-personal column of every silver and gold table the plan lists, as whoever
    athena signs as; returns (all answered, what failed)."""
    failed = []
    for layer, database in databases.items():
        for reader in plan["readers"].get(layer, []):
            # A table whose model documents no column is counted instead.
            what = f'"{reader["column"]}"' if reader["column"] else "count(*)"
            sql = f"SELECT {what} FROM {table(database, reader['table'])} LIMIT 1"
            try:
                arrivals.query(athena, workgroup, sql)
            except arrivals.QueryFailed as e:
                failed.append(str(e))
    return not failed, "; ".join(failed) or "every table answered"
