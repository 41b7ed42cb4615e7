"""Stand-ins for the producers that write bronze on AWS, which moto cannot run: DMS (reads the
source's committed changes, here the test's change log, and writes Parquet objects with its Op
column) and Firehose (moto's Kinesis never delivers to it: the records put on each stream are
read back and written as Firehose's objects, JSON Lines gzip-compressed with the newline its
AppendDelimiterToRecord processor appends, or Parquet through the declared columns). Each
delivers what it saw after a delay, or never."""

import gzip
import io
import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

ARROW = {"string": pa.string(), "bigint": pa.int64(), "int": pa.int32(), "double": pa.float64(), "boolean": pa.bool_()}
NEVER = None


class Producers:
    """Runs both stand-ins in a thread while in a with block. delays: {"dms": s, "<stream>": s},
    NEVER for a producer that never delivers."""

    def __init__(self, postgres, s3, kinesis, bucket, plan, streams, delays=None, op_column="Op"):
        self.pg, self.s3, self.kinesis, self.bucket, self.plan = postgres, s3, kinesis, bucket, plan
        self.streams = streams  # declared name -> Kinesis name
        self.delays = {"dms": 0.0, **{s["name"]: 0.0 for s in plan["streams"]}, **(delays or {})}
        self.op_column = op_column
        self.pending = []  # (due, write)
        self.stop = threading.Event()
        self.last_change = 0
        self.iterators = {}

    def __enter__(self):
        for declared, name in self.streams.items():
            shard = self.kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
            self.iterators[declared] = self.kinesis.get_shard_iterator(
                StreamName=name, ShardId=shard, ShardIteratorType="LATEST"
            )["ShardIterator"]
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def _loop(self):
        while not self.stop.wait(0.2):
            self._dms()
            for stream in self.plan["streams"]:
                self._firehose(stream)
            now = time.time()
            for item in [p for p in self.pending if p[0] <= now]:
                self.pending.remove(item)
                item[1]()

    def _later(self, producer, write):
        if self.delays[producer] is not NEVER:
            self.pending.append((time.time() + self.delays[producer], write))

    def _dms(self):
        changes = self.pg.query(
            f"SELECT seq, op, order_id, row FROM public.test_change_log WHERE seq > {self.last_change}"
        )
        if not changes:
            return
        self.last_change = int(changes[-1][0])
        key = self.plan["database"]["key"][0]
        rows = []
        for _, op, order_id, row in changes:
            values = json.loads(row) if row else {}
            rows.append({self.op_column: op, key: int(order_id), "status": values.get("status")})
        path = f"{self.plan['database']['bronzePrefix']}{datetime.now(UTC):%Y%m%d-%H%M%S%f}.parquet"
        self._later("dms", lambda: self._put(path, _parquet(pa.Table.from_pylist(rows))))

    def _firehose(self, stream):
        answer = self.kinesis.get_records(ShardIterator=self.iterators[stream["name"]])
        self.iterators[stream["name"]] = answer["NextShardIterator"]
        records = [json.loads(r["Data"]) for r in answer["Records"]]
        if not records:
            return
        now = datetime.now(UTC)
        key = f"{stream['bronzePrefix']}year={now:%Y}/month={now:%m}/day={now:%d}/{stream['name']}-1-{now:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}"
        if stream["format"] == "parquet":
            schema = pa.schema([(c["name"], ARROW.get(c["type"], pa.string())) for c in stream["columns"]])
            body, key = _parquet(pa.Table.from_pylist(records, schema=schema)), key + ".parquet"
        else:
            body, key = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()), key + ".json.gz"
        self._later(stream["name"], lambda: self._put(key, body))

    def _put(self, key, body):
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)


def _parquet(table):
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()
