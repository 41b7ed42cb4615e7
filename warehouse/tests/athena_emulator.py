"""dbt-athena's AWS calls in a real dbt run, recorded, and Athena's part played over moto.

moto serves Glue, S3 and Athena's API, but its Athena runs no SQL: a CTAS creates no table, a
rename renames nothing. Here every boto3 session the process opens gets botocore event hooks
that:
- record every call it makes (service, operation and parameters, before they are sent);
- on each StartQueryExecution, do in moto's Glue and S3 what Athena would do for that
  statement (create the table CTAS creates, with the columns the local build gave the model;
  rename, replace a view, commit an Iceberg write), so that dbt-athena's next calls (its
  relation cache, the rename-and-swap, the drops and the S3 clean-up) take their real paths;
- note the calls Athena makes with the caller's own permissions while it runs the statement
  (forward access sessions), which the execution role must allow as much as dbt's own;
- answer the few results dbt reads (a data test's failure count, a unit test's rows, the
  partitions of a batched write);
- follow which partition values each table's rows span (a model's whole SQL: those its local
  build spans; a batch: those its WHERE names; an incremental run: those incremental_lookback()
  keeps, macros/lookback.sql), and fail every write of more than PARTITIONS_LIMIT of them into a
  partitioned table as Athena does, with ICEBERG_TOO_MANY_OPEN_PARTITIONS: so a model that
  leaves its batching to dbt-athena's fallback shows its failed first attempt.

Each call and each of Athena's becomes one or more iam_policy.Request (calls_to_requests), the
resources named as IAM names them.

What Athena asks of the caller, per statement, and where that is written:
- "The permissions required to run Athena queries include ... Amazon S3 locations where the
  underlying data to query is stored ... Metadata and resources that you store in the AWS Glue
  Data Catalog" (https://docs.aws.amazon.com/athena/latest/ug/security-iam-athena.html); AWS
  services acting for a caller use its permissions ("FAS uses the permissions of the identity
  calling an AWS service", https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html),
  and S3 asks KMS for the caller when an object is SSE-KMS.
- Glue, per statement: CREATE TABLE needs glue:GetDatabase, glue:GetTable and glue:CreateTable
  on the catalog, the database and the table (Athena, "Configure access to databases and tables
  in the AWS Glue Data Catalog", its table of examples,
  https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html);
  "Actions on a table, partition, or table version require permission on the table, database,
  and catalog" (https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html).
- Iceberg in Glue as Athena engine v3 (Trino) does it: a rename is GetTable, CreateTable of the
  new name and DeleteTable of the old; CREATE OR REPLACE VIEW is CreateTable, or UpdateTable
  when the view exists; a write commits by UpdateTable of the table's metadata_location (trinodb/trino,
  plugin/trino-iceberg/.../catalog/glue/TrinoGlueCatalog.java renameTable and doCreateView,
  GlueIcebergTableOperations.commitToExistingTable; a CTAS commits a new table by CreateTable,
  commitNewTable).
- Query results: Athena writes them to the workgroup's output location, and "the IAM principal
  with permission to call GetQueryResults also must have permissions to the Amazon S3 GetObject
  action for the Athena query results location"
  (https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html).
- VACUUM: "your query execution role must have s3:DeleteObject permissions on the bucket where
  your Iceberg tables, metadata, snapshots, and data files are located"
  (https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html).
"""

import base64
import datetime
import json
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import botocore.awsrequest
import botocore.loaders
from botocore.exceptions import ClientError

from tests.iam_policy import Request

# A relation as dbt-athena renders it in SQL, and as it renders it for Hive DDL (render_hive).
RELATION = re.compile(r'"awsdatacatalog"\."(?P<db>[^"]+)"\."(?P<table>[^"]+)"')
HIVE_RELATION = r"`?(?P<{0}db>\w+)`?\.`?(?P<{0}table>\w+)`?"
CTAS = re.compile(r"create\s+table\s+" + RELATION.pattern + r"\s+with\s*\((?P<props>.*?)\)\s*as\s", re.S | re.I)
VIEW = re.compile(r"create\s+or\s+replace\s+view\s+" + RELATION.pattern + r"\s+as\s", re.S | re.I)
RENAME = re.compile(
    r"alter\s+table\s+" + HIVE_RELATION.format("") + r"\s+rename\s+to\s+" + HIVE_RELATION.format("to_"), re.I
)
MERGE = re.compile(r"merge\s+into\s+" + RELATION.pattern, re.I)
INSERT = re.compile(r"insert\s+into\s+" + RELATION.pattern, re.I)
# dbt-athena's batches (get_partition_batches): a CTAS or INSERT INTO of `select ... from <tmp>
# where <batch>`, or a MERGE using `(select ... from <tmp> where <batch>) as src`; the batch is
# one `key=<literal>` (joined by ` and ` for several keys) per partition, joined by ` or `.
BATCH = re.compile(r"\bfrom\s+" + RELATION.pattern + r"\s+where\s+(?P<batch>.+?)(?:\)\s*as\s+src\b|$)", re.S | re.I)
MERGE_SOURCE = re.compile(r"\busing\s+" + RELATION.pattern + r"\s+as\s+src\b", re.I)
PARTITION_LITERAL = re.compile(r"(?P<type>DATE|TIMESTAMP)'(?P<value>[^']*)'")
# incremental_lookback()'s filter as it renders on Athena (macros/lookback.sql): the newest value
# of a key in the model's table, or days before it by dbt-athena's dateadd (date_add).
LOOKBACK = re.compile(
    r"(?P<column>\w+)\s*>=\s*(?:date_add\(\s*'day'\s*,\s*(?P<days>-?\d+)\s*,\s*)?"
    r"\(\s*select\s+max\(\s*(?P=column)\s*\)\s+from\s+" + RELATION.pattern + r"\s*\)",
    re.I,
)
MAINTENANCE = re.compile(r"(?P<op>optimize|vacuum)\s+" + HIVE_RELATION.format(""), re.I)
PROPERTY = re.compile(r"(\w+)\s*=\s*'([^']*)'")
# The temporary relations dbt-athena builds beside a model: their columns are the model's.
# A batched build's staging table is named after the relation it builds, itself maybe one of
# these (fct_orders__ha__tmp_not_partitioned).
TEMPORARY = re.compile(r"^(?P<model>.+?)((__(ha|bkp|dbt_tmp|tmp_not_partitioned))(_[0-9a-f_]+)?)+$")
# Athena's (Trino's) limit of partitions one statement writes: "Exceeded limit of %s open writers
# for partitions", ICEBERG_TOO_MANY_OPEN_PARTITIONS, when a write opens one more (trinodb/trino,
# plugin/trino-iceberg/src/main/java/io/trino/plugin/iceberg/IcebergPageSink.java,
# getWriterIndexes; Athena's maximum of open writers is 100). dbt-athena's partitions_limit
# default is the same, and it retries in batches on any error naming TOO_MANY_OPEN_PARTITIONS
# (adapters/athena/impl.py, run_query_with_partitions_limit_catching).
PARTITIONS_LIMIT = 100
TOO_MANY_PARTITIONS = "ICEBERG_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of {} open writers for partitions"


class EmulationError(Exception):
    """The emulator met a statement or a state it does not know how to play."""


@dataclass(frozen=True)
class Write:
    """One write statement as played: its kind (create table, insert, merge), its table
    (db.table), whether the table is partitioned, the partition values its rows span, and the
    failure Athena answered (None when it succeeded)."""

    kind: str
    table: str
    partitioned: bool
    values: frozenset
    failure: str | None


def strip_comments(sql):
    """The statement without dbt's query comment (a `-- /* {...} */` line) or any other."""
    return re.sub(r"--[^\n]*", "", sql).strip()


class Arns:
    """Resource ARNs as IAM names them, in the environment's region and account."""

    def __init__(self, region, account):
        self.region, self.account = region, account

    def glue(self, db=None, table=None):
        """The catalog, then the database, then the table: an action on a Glue resource needs
        permission on it and on each ancestor."""
        arns = [f"arn:aws:glue:{self.region}:{self.account}:catalog"]
        if db:
            arns.append(f"arn:aws:glue:{self.region}:{self.account}:database/{db}")
        if table:
            arns.append(f"arn:aws:glue:{self.region}:{self.account}:table/{db}/{table}")
        return arns

    def workgroup(self, name):
        return f"arn:aws:athena:{self.region}:{self.account}:workgroup/{name}"

    @staticmethod
    def bucket(name):
        return f"arn:aws:s3:::{name}"

    @staticmethod
    def object(bucket, key):
        return f"arn:aws:s3:::{bucket}/{key}"


def split_s3(url):
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bucket, key


class Athena:
    """The recorder and Athena's emulation over one moto server (see the module's doc).

    columns: each model's columns as Glue types, {name: [(column, type)]}.
    bucket_keys: the KMS key ARN that encrypts each SSE-KMS bucket, {bucket: arn}.
    partitions: each partitioned model's partition keys as dbt-athena writes them in SQL
    (format_one_partition_key: `trade_date`, `date_trunc('day', ordered_at)`) and the values of
    those keys its rows span (tuples of dates or datetimes), {name: (keys, values)}: what its
    whole SQL writes.
    """

    def __init__(self, endpoint, region, account, columns, bucket_keys, partitions=None):
        self.arns = Arns(region, account)
        self.region = region
        self.columns = columns
        self.bucket_keys = bucket_keys
        self.partitions = {name: (list(keys), frozenset(values)) for name, (keys, values) in (partitions or {}).items()}
        self.held = {}  # (db, table) -> the partition values its rows span, of each table written here
        self.partitioned = set()  # (db, table) of each table created partitioned
        self.writes = []  # a Write for each CTAS, INSERT and MERGE
        self.runs = {}  # the Writes of each dbt invocation, by a name the caller gives
        # The emulator's own calls go through a session without the hooks: they are Athena's.
        service = boto3.session.Session(aws_access_key_id="athena", aws_secret_access_key="x", region_name=region)
        self.glue = service.client("glue", endpoint_url=endpoint)
        self.s3 = service.client("s3", endpoint_url=endpoint)
        self.athena = service.client("athena", endpoint_url=endpoint)
        self.lock = threading.RLock()
        self.calls = []  # (service, operation, params) of the hooked sessions
        self.on_behalf = []  # Requests Athena makes with the caller's permissions
        self.statements = []  # (kind, db.table) of each statement played
        self.errors = []
        self.queries = {}  # QueryExecutionId -> {"workgroup", "output", "result", "failure"}
        self.views = {}  # (db, view) -> its SQL, for reading through views
        self.workgroups = {}

    # -- the hooks -------------------------------------------------------------------------

    @contextmanager
    def hooked(self):
        """Every boto3 session opened inside gets the hooks."""
        original = boto3.session.Session.__init__
        emulator = self
        # dbt-athena opens a session per connection, and dbt a connection per node: each would
        # read the services' models from disk again (about half a second). One loader, which
        # caches them, serves all; it changes no call.
        loader = botocore.loaders.create_loader()

        def init(session, *args, **kwargs):
            original(session, *args, **kwargs)
            session._session.register_component("data_loader", loader)
            session.events.register("before-parameter-build", emulator._record)
            session.events.register("before-call.athena.StartQueryExecution", emulator._before_start)
            session.events.register("after-call.athena.StartQueryExecution", emulator._after_start)
            session.events.register("before-call.athena.GetQueryExecution", emulator._answer_execution)
            session.events.register("before-call.athena.GetQueryResults", emulator._answer_results)

        boto3.session.Session.__init__ = init
        try:
            yield self
        finally:
            boto3.session.Session.__init__ = original

    def _record(self, params, model, context, **_):
        with self.lock:
            self.calls.append(
                (model.service_model.service_name, model.name, json.loads(json.dumps(params, default=str)))
            )
        context["api_params"] = params

    def _before_start(self, context, **_):
        params = context["api_params"]
        try:
            with self.lock:
                context["query"] = self.play(params["QueryString"], params.get("WorkGroup", "primary"))
        except Exception as e:  # noqa: BLE001 - reported by the test, and dbt sees the query fail
            self.errors.append(f"{type(e).__name__}: {e}\n{strip_comments(params['QueryString'])[:600]}")
            failed = {"kind": "a statement it could not play", "workgroup": params.get("WorkGroup", "primary")}
            context["query"] = {**failed, "failure": f"emulator: {e}", "result": None}

    def _after_start(self, parsed, context, **_):
        query = context["query"]
        query_id = parsed["QueryExecutionId"]
        query["output"] = self.output_location(query["workgroup"]) + f"{query_id}.csv"
        with self.lock:
            self.queries[query_id] = query
            # Athena writes the results file, encrypted as the workgroup says.
            self._write_requests(query["output"], f"Athena writes the results of {query['kind']}")

    def _answer_execution(self, context, **_):
        query = self.queries.get(context["api_params"]["QueryExecutionId"])
        if not query or not query["failure"]:
            return None  # moto answers SUCCEEDED
        reason = query["failure"]
        status = {
            "State": "FAILED",
            "StateChangeReason": reason,
            "AthenaError": {"ErrorCategory": 2, "ErrorType": 1306, "Retryable": False, "ErrorMessage": reason},
        }
        return _response(
            {"QueryExecution": {"QueryExecutionId": context["api_params"]["QueryExecutionId"], "Status": status}}
        )

    def _answer_results(self, context, **_):
        query = self.queries.get(context["api_params"]["QueryExecutionId"])
        if not query or query["result"] is None:
            return None  # moto answers no rows
        return _response(query["result"])

    # -- the environment -------------------------------------------------------------------

    def output_location(self, workgroup):
        """Where Athena writes a query's results: the workgroup's location, which it enforces."""
        if workgroup not in self.workgroups:
            self.workgroups[workgroup] = self.athena.get_work_group(WorkGroup=workgroup)["WorkGroup"]
        location = self.workgroups[workgroup]["Configuration"]["ResultConfiguration"]["OutputLocation"]
        return location if location.endswith("/") else location + "/"

    def table(self, db, name):
        try:
            return self.glue.get_table(DatabaseName=db, Name=name)["Table"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "EntityNotFoundException":
                return None
            raise

    def model_columns(self, name):
        m = TEMPORARY.match(name)
        for candidate in (name, m and m["model"]):
            if candidate in self.columns:
                return [{"Name": c, "Type": t} for c, t in self.columns[candidate]]
        raise EmulationError(f"no columns known for {name}: build the pipeline's local gold first")

    # -- the statements --------------------------------------------------------------------

    def play(self, query_string, workgroup):
        """What Athena does for one statement: its effects in moto, the requests it makes for the
        caller, the result dbt will read, or the failure it will see."""
        sql = strip_comments(query_string)
        query = {"workgroup": workgroup, "result": None, "failure": None}
        if m := CTAS.match(sql):
            kind, target = "create table", (m["db"], m["table"])
            props = dict((k.lower(), v) for k, v in PROPERTY.findall(m["props"]))
            self._reads(sql[m.end() :], kind, target)
            # Iceberg's `partitioning`, Hive's `partitioned_by` (create_table_as.sql); a staging
            # table's location says tmp_not_partitioned.
            partitioned = re.search(r"\b(partitioning|partitioned_by)\s*=", m["props"], re.I) is not None
            if partitioned and self._model(target[1]) not in self.partitions:
                raise EmulationError(f"{target[1]} is partitioned, and no partition values were given for its model")
            values = self._values(sql[m.end() :], target)
            if not self._fails(kind, target, query, partitioned, values):
                self._create_table(target, props, workgroup)
                self.held[target] = values
                (self.partitioned.add if partitioned else self.partitioned.discard)(target)
        elif m := VIEW.match(sql):
            kind, target = "create or replace view", (m["db"], m["table"])
            self._create_view(target, sql[m.end() :])
        elif m := RENAME.match(sql):
            kind, target = "alter table rename", (m["db"], m["table"])
            self._rename(target, (m["to_db"], m["to_table"]))
        elif m := MERGE.match(sql) or INSERT.match(sql):
            kind, target = m.group(0).split()[0].lower(), (m["db"], m["table"])
            self._reads(sql, kind, target, include_target=True)
            values = self._values(sql[m.end() :], target)
            if not self._fails(kind, target, query, target in self.partitioned, values):
                self._commit(target, kind)
                self.held[target] = self.held.get(target, frozenset()) | values
        elif m := MAINTENANCE.match(sql):
            kind, target = m["op"].lower(), (m["db"], m["table"])
            self._maintain(kind, target)
        elif re.match(r"\(?\s*(select|with)\b", sql, re.I):
            kind, target = "select", None
            self._reads(sql, kind, None)
            query["result"] = self._result(sql)
        else:
            raise EmulationError("a statement the emulator does not know: teach it what Athena does")
        query["kind"] = f"{kind} {'.'.join(target) if target else ''}".strip()
        self.statements.append((kind, ".".join(target) if target else None))
        return query

    def _fails(self, kind, target, query, partitioned, values):
        """Whether the write fails, as Athena fails one into a partitioned table whose rows span
        more than PARTITIONS_LIMIT partition values; records it either way."""
        failure = None
        if partitioned and len(values) > PARTITIONS_LIMIT:
            failure = TOO_MANY_PARTITIONS.format(PARTITIONS_LIMIT)
        self.writes.append(Write(kind, ".".join(target), partitioned, values, failure))
        query["failure"] = failure
        return failure is not None

    def _model(self, table):
        """The model a relation is built for: its name without dbt-athena's suffixes."""
        m = TEMPORARY.match(table)
        return m["model"] if m else table

    def _values(self, sql, target):
        """The partition values of the rows a write's query (after its target) gives: a batch's
        (those its WHERE names, of a table written here), a MERGE's source table's, or the model's
        own SQL's (the model's values; with incremental_lookback()'s filter, those it keeps)."""
        if m := BATCH.search(sql):
            source = (m["db"], m["table"])
            if source in self.held:
                values = frozenset(self._batch(m["batch"]))
                if not values <= self.held[source]:
                    raise EmulationError(f"a batch names partitions {'.'.join(source)} does not hold")
                return values
        if (m := MERGE_SOURCE.search(sql)) and (m["db"], m["table"]) in self.held:
            return self.held[(m["db"], m["table"])]
        model = self._model(target[1])
        if model not in self.partitions:
            return frozenset()
        keys, values = self.partitions[model]
        for m in LOOKBACK.finditer(sql):
            if m["column"] not in keys:
                raise EmulationError(f"{model}'s lookback on {m['column']}, which is none of its keys {keys}")
            i = keys.index(m["column"])
            # The model's own table, as this emulator wrote it (dbt-athena's relation cache
            # answers is_incremental() from Glue, so the table exists).
            held = self.held.get((m["db"], m["table"]))
            if not held:
                raise EmulationError(f"{model}'s lookback reads {m['db']}.{m['table']}, which no write here made")
            since = max(v[i] for v in held) + datetime.timedelta(days=int(m["days"] or 0))
            values = frozenset(v for v in values if v[i] >= since)
        return values

    @staticmethod
    def _batch(batch):
        """The partition values a batch's WHERE names, one tuple per `or`."""
        values = []
        for predicate in re.split(r"\s+or\s+", batch.strip(), flags=re.I):
            literals = PARTITION_LITERAL.findall(predicate)
            if not literals:
                raise EmulationError(f"a batch's partition the emulator cannot read: {predicate}")
            values.append(
                tuple(
                    datetime.date.fromisoformat(v) if t.upper() == "DATE" else datetime.datetime.fromisoformat(v)
                    for t, v in literals
                )
            )
        return values

    def _ask(self, action, resources, origin, **context):
        for resource in resources if isinstance(resources, list) else [resources]:
            self.on_behalf.append(Request(action, resource, tuple(sorted(context.items())), origin))

    def _glue_table(self, actions, db, table, origin):
        for action in actions:
            self._ask(action, self.arns.glue(db, table), origin)

    def _kms(self, action, bucket, origin):
        if bucket in self.bucket_keys:
            self._ask(action, self.bucket_keys[bucket], origin, **{"kms:ViaService": f"s3.{self.region}.amazonaws.com"})

    def _write_requests(self, url, origin):
        bucket, key = split_s3(url)
        self._ask("s3:PutObject", Arns.object(bucket, key), origin)
        self._kms("kms:GenerateDataKey", bucket, origin)

    def _read_requests(self, url, origin):
        bucket, key = split_s3(url)
        self._ask("s3:GetObject", Arns.object(bucket, key), origin)
        self._kms("kms:Decrypt", bucket, origin)

    def _objects(self, location):
        bucket, prefix = split_s3(location.rstrip("/") + "/")
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", [])]

    def _reads(self, sql, kind, target, include_target=False, data=True, seen=None):
        """Athena resolves every relation a statement names (through views) in Glue, and reads
        the data of each table: it lists the location and gets its objects."""
        seen = set() if seen is None else seen
        sql = re.sub(r"'(?:[^']|'')*'", "''", sql)  # a string literal names no relation
        origin = f"Athena reads for {kind} {'.'.join(target) if target else ''}".strip()
        for m in RELATION.finditer(sql):
            ref = (m["db"], m["table"])
            if ref in seen or (ref == target and not include_target):
                continue
            seen.add(ref)
            table = self.table(*ref)
            if table is None:
                raise EmulationError(f"{kind} reads {'.'.join(ref)}, which Glue does not have")
            self._glue_table(["glue:GetDatabase"], ref[0], None, origin)
            self._glue_table(["glue:GetTable"], *ref, origin)
            if table.get("PartitionKeys"):
                self._glue_table(["glue:GetPartitions"], *ref, origin)
            if table.get("TableType") == "VIRTUAL_VIEW":
                if ref not in self.views:
                    raise EmulationError(f"{kind} reads the view {'.'.join(ref)}, which the emulator did not create")
                self._reads(self.views[ref], kind, target, include_target, data, seen)
            elif data:
                location = table["StorageDescriptor"]["Location"]
                bucket, key = split_s3(location.rstrip("/") + "/")
                self._ask("s3:ListBucket", Arns.bucket(bucket), origin, **{"s3:prefix": key})
                # The silver tables' objects are not in moto: their Delta log stands for them.
                for url in self._objects(location) or [location.rstrip("/") + "/_delta_log/00000000000000000000.json"]:
                    self._read_requests(url, origin)

    def _create_table(self, target, props, workgroup):
        """CTAS: Athena checks the location is empty, writes the data (and, for Iceberg, its
        first metadata), and creates the table in Glue. "If your workgroup overrides the
        client-side setting for query results location, Athena creates your table in the
        location s3://amzn-s3-demo-bucket/tables/<query-id>/" (a CTAS without a location, as
        dbt-athena writes a Hive one when the workgroup enforces its location;
        https://docs.aws.amazon.com/athena/latest/ug/considerations-ctas.html)."""
        db, name = target
        origin = f"Athena creates {db}.{name} (CTAS)"
        location = (props.get("location") or props.get("external_location") or "").rstrip("/")
        if not location:
            location = self.output_location(workgroup) + f"tables/{uuid.uuid4()}"
        self._glue_table(["glue:GetDatabase"], db, None, origin)
        self._glue_table(["glue:GetTable", "glue:CreateTable"], db, name, origin)
        bucket, key = split_s3(location + "/")
        self._ask("s3:ListBucket", Arns.bucket(bucket), origin, **{"s3:prefix": key})
        iceberg = props.get("table_type", "hive").lower() == "iceberg"
        parameters = {"classification": props.get("format", "parquet")}
        if iceberg:
            parameters.update({"table_type": "ICEBERG", "metadata_location": self._write_snapshot(location, origin)})
        else:
            self._put(f"{location}/{uuid.uuid4()}.parquet", origin)
        self.glue.create_table(
            DatabaseName=db,
            TableInput={
                "Name": name,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": parameters,
                "StorageDescriptor": {"Columns": self.model_columns(name), "Location": location},
            },
        )

    def _put(self, url, origin):
        bucket, key = split_s3(url)
        self.s3.put_object(Bucket=bucket, Key=key, Body=b"emulated")
        self._write_requests(url, origin)

    def _write_snapshot(self, location, origin):
        """An Iceberg write: a data file and a new metadata file; returns the metadata's URL."""
        self._put(f"{location}/data/{uuid.uuid4()}.parquet", origin)
        metadata = f"{location}/metadata/{uuid.uuid4()}.metadata.json"
        self._put(metadata, origin)
        return metadata

    def _create_view(self, target, sql):
        db, name = target
        origin = f"Athena creates or replaces the view {db}.{name}"
        # Athena analyses the view's query: it resolves what the view names, reads no data.
        self._reads(sql, "create or replace view", target, data=False)
        existing = self.table(db, name)
        self._glue_table(["glue:GetDatabase"], db, None, origin)
        self._glue_table(["glue:GetTable", "glue:UpdateTable" if existing else "glue:CreateTable"], db, name, origin)
        original = base64.b64encode(json.dumps({"originalSql": sql}).encode()).decode()
        view = {
            "Name": name,
            "TableType": "VIRTUAL_VIEW",
            "Parameters": {"presto_view": "true", "comment": "Presto View"},
            "ViewOriginalText": f"/* Presto View: {original} */",
            "StorageDescriptor": {"Columns": self.model_columns(name)},
        }
        if existing:
            self.glue.update_table(DatabaseName=db, TableInput=view)
        else:
            self.glue.create_table(DatabaseName=db, TableInput=view)
        self.views[target] = sql

    def _rename(self, source, target):
        origin = f"Athena renames {'.'.join(source)} to {'.'.join(target)}"
        table = self.table(*source)
        if table is None:
            raise EmulationError(f"rename of {'.'.join(source)}, which Glue does not have")
        if table.get("Parameters", {}).get("table_type", "").upper() != "ICEBERG":
            raise EmulationError(f"rename of {'.'.join(source)}: only Iceberg tables are renamed here")
        self._glue_table(["glue:GetDatabase"], source[0], None, origin)
        self._glue_table(["glue:GetTable"], *source, origin)
        self._read_requests(table["Parameters"]["metadata_location"], origin)
        self._glue_table(["glue:CreateTable"], *target, origin)
        self._glue_table(["glue:DeleteTable"], *source, origin)
        fields = ("TableType", "Parameters", "StorageDescriptor", "PartitionKeys", "Description")
        self.glue.create_table(
            DatabaseName=target[0], TableInput={"Name": target[1], **{f: table[f] for f in fields if f in table}}
        )
        self.glue.delete_table(DatabaseName=source[0], Name=source[1])
        if source in self.held:
            self.held[target] = self.held.pop(source)
        (self.partitioned.add if source in self.partitioned else self.partitioned.discard)(target)
        self.partitioned.discard(source)

    def _commit(self, target, kind):
        """An Iceberg write (INSERT, MERGE, OPTIMIZE): new data and metadata, then the commit,
        an UpdateTable of the table's metadata_location."""
        origin = f"Athena commits {kind} into {'.'.join(target)}"
        table = self.table(*target)
        if table.get("Parameters", {}).get("table_type", "").upper() != "ICEBERG":
            raise EmulationError(f"{kind} into {'.'.join(target)}: only Iceberg writes are emulated")
        location = table["StorageDescriptor"]["Location"]
        parameters = dict(table["Parameters"], metadata_location=self._write_snapshot(location, origin))
        self._glue_table(["glue:UpdateTable"], *target, origin)
        fields = ("TableType", "StorageDescriptor", "PartitionKeys", "Description")
        self.glue.update_table(
            DatabaseName=target[0],
            TableInput={"Name": target[1], "Parameters": parameters, **{f: table[f] for f in fields if f in table}},
        )

    def _maintain(self, op, target):
        self._reads('"awsdatacatalog"."{}"."{}"'.format(*target), op, target, include_target=True)
        if op == "optimize":
            self._commit(target, op)
            return
        # VACUUM: expires snapshots (a commit) and deletes the files no snapshot needs, found by
        # listing the table's location.
        origin = f"Athena vacuums {'.'.join(target)}"
        location = self.table(*target)["StorageDescriptor"]["Location"]
        bucket, key = split_s3(location.rstrip("/") + "/")
        self._ask("s3:ListBucket", Arns.bucket(bucket), origin, **{"s3:prefix": key})
        data = sorted(u for u in self._objects(location) if "/data/" in u)
        for url in data[:-1]:
            bucket, key = split_s3(url)
            self._ask("s3:DeleteObject", Arns.object(bucket, key), origin)
            self.s3.delete_object(Bucket=bucket, Key=key)
        self._commit(target, op)

    # -- results ---------------------------------------------------------------------------

    def _result(self, sql):
        """The rows dbt reads of a select: a data test's one row of failures, a unit test's
        actual and expected rows (none: the SQL does not run), a batched write's partitions."""
        if re.search(r"count\(\*\)\s+as\s+failures", sql, re.I):
            return _rows(
                [("failures", "bigint"), ("should_warn", "boolean"), ("should_error", "boolean")],
                [["0", "false", "false"]],
            )
        if "actual_or_expected" in sql:
            return _rows([("actual_or_expected", "varchar")], [])
        if m := re.match(r"select\s+distinct\s+(?P<keys>.+?)\s+from\s", sql, re.I | re.S):
            return self._partitions(m["keys"], sql)
        return None

    def _partitions(self, keys, sql):
        """get_partition_batches' `select distinct <keys> from <table>`: the partition values
        the table's rows span, as the writes here left them, in order."""
        ref = RELATION.search(sql)
        table = (ref["db"], ref["table"])
        if table not in self.held:
            raise EmulationError(f"partitions of {'.'.join(table)}, which no write here made")
        model_keys = self.partitions[self._model(ref["table"])][0]
        if keys.strip() != ", ".join(model_keys):
            raise EmulationError(f"partitions of {keys}, where the model's keys are {model_keys}")
        values = sorted(self.held[table])
        # Athena names an expression's column _col<n>; a DATE is written as its ISO day, a
        # TIMESTAMP as Trino prints it (pyathena parses both back).
        names = [k if re.fullmatch(r"\w+", k) else f"_col{i}" for i, k in enumerate(model_keys)]
        sample = values[0] if values else ()
        types = ["timestamp" if isinstance(v, datetime.datetime) else "date" for v in sample]
        rows = [
            [
                v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if isinstance(v, datetime.datetime) else v.isoformat()
                for v in row
            ]
            for row in values
        ]
        return _rows(list(zip(names, types or ["date"] * len(names), strict=True)), rows)


def _rows(columns, rows):
    """A GetQueryResults answer: the header row first, as Athena sends for a DML query."""
    header = {"Data": [{"VarCharValue": name} for name, _ in columns]}
    body = [{"Data": [{"VarCharValue": v} for v in row]} for row in rows]
    return {
        "UpdateCount": 0,
        "ResultSet": {
            "Rows": [header, *body],
            "ResultSetMetadata": {"ColumnInfo": [{"Name": n, "Label": n, "Type": t} for n, t in columns]},
        },
    }


def _response(parsed):
    return botocore.awsrequest.AWSResponse("https://athena.emulated", 200, {}, None), parsed


# -- what each call asks of IAM ------------------------------------------------------------

# Calls that need no permission: "No permissions are required to perform this operation"
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
UNAUTHORIZED = {("sts", "GetCallerIdentity")}


def calls_to_requests(emulator, target_schemas):
    """Every recorded call as the IAM requests it makes, and Athena's for the caller. A call the
    mapping does not know raises: teach it, rather than let a call go unchecked."""
    requests = []
    arns = emulator.arns
    for service, operation, params in emulator.calls:
        origin = f"{service}.{operation}"
        if (service, operation) in UNAUTHORIZED:
            continue
        if service == "glue":
            requests += _glue(operation, params, arns, target_schemas, origin)
        elif service == "s3":
            requests += _s3(operation, params, origin)
        elif service == "athena":
            requests += _athena(operation, params, emulator, origin)
        else:
            raise EmulationError(f"no IAM mapping for {origin}")
    return requests + emulator.on_behalf


def _each(action, resources, origin, **context):
    return [Request(action, r, tuple(sorted(context.items())), origin) for r in resources]


def _glue(operation, params, arns, target_schemas, origin):
    action = f"glue:{operation}"
    db = params.get("DatabaseName")
    if operation in ("GetTable", "DeleteTable"):
        return _each(action, arns.glue(db, params["Name"]), origin)
    if operation in ("CreateTable", "UpdateTable"):
        return _each(action, arns.glue(db, params["TableInput"]["Name"]), origin)
    if operation in (
        "GetPartitions",
        "BatchCreatePartition",
        "BatchDeletePartition",
        "GetTableVersions",
        "DeleteTableVersion",
        "BatchDeleteTableVersion",
    ):
        return _each(action, arns.glue(db, params["TableName"]), origin)
    if operation == "GetTables":
        # Athena's SHOW TABLES example grants it on the database and its tables (table/<db>/*).
        return _each(action, [*arns.glue(db), arns.glue(db, "*")[-1]], origin)
    if operation == "GetDatabase":
        return _each(action, arns.glue(params["Name"]), origin)
    if operation == "GetDatabases":
        # dbt lists the catalog's databases to learn whether its schemas exist: it must see each.
        return [r for schema in target_schemas for r in _each(action, arns.glue(schema), origin)]
    raise EmulationError(f"no IAM mapping for {origin}")


def _s3(operation, params, origin):
    bucket = params["Bucket"]
    if operation in ("ListObjects", "ListObjectsV2"):
        context = {"s3:prefix": params["Prefix"]} if "Prefix" in params else {}
        return _each("s3:ListBucket", [Arns.bucket(bucket)], origin, **context)
    if operation == "DeleteObjects":
        # "you must have s3:DeleteObject permission" for each key
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html)
        keys = [o["Key"] for o in params["Delete"]["Objects"]]
        return _each("s3:DeleteObject", [Arns.object(bucket, k) for k in keys], origin)
    actions = {
        "DeleteObject": "s3:DeleteObject",
        "GetObject": "s3:GetObject",
        "HeadObject": "s3:GetObject",
        "PutObject": "s3:PutObject",
    }
    if operation in actions:
        return _each(actions[operation], [Arns.object(bucket, params["Key"])], origin)
    raise EmulationError(f"no IAM mapping for {origin}")


def _athena(operation, params, emulator, origin):
    if operation in ("StartQueryExecution", "GetWorkGroup"):
        workgroup = params.get("WorkGroup", "primary")
        return _each(f"athena:{operation}", [emulator.arns.workgroup(workgroup)], origin)
    if operation in ("GetQueryExecution", "GetQueryResults", "StopQueryExecution"):
        query = emulator.queries[params["QueryExecutionId"]]
        requests = _each(f"athena:{operation}", [emulator.arns.workgroup(query["workgroup"])], origin)
        if operation == "GetQueryResults":
            bucket, key = split_s3(query["output"])
            requests += _each(
                "s3:GetObject", [Arns.object(bucket, key)], "Athena reads the results for GetQueryResults"
            )
            if bucket in emulator.bucket_keys:
                requests += _each(
                    "kms:Decrypt",
                    [emulator.bucket_keys[bucket]],
                    "S3 decrypts the results for GetQueryResults",
                    **{"kms:ViaService": f"s3.{emulator.region}.amazonaws.com"},
                )
        return requests
    raise EmulationError(f"no IAM mapping for {origin}")
