"""Firehose's bronze objects, written the way the Streaming stack configures the delivery
(stacks/streaming.go) from the stream settings the bundle hands the job (targets.yml):

- key: kinesis/<stream>/year=YYYY/month=MM/day=DD/ (arrival time, UTC), then Firehose's object
  name <delivery stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid><extension>, where the delivery
  stream has the Kinesis stream's name and the extension is config's (.json.gz, .parquet);
- JSON streams: the records as producers send them, each followed by the newline the delivery's
  AppendDelimiterToRecord processor appends, concatenated and gzip-compressed (GZIP; .json is
  plain); a producer that already ends its records with a newline leaves a blank line after each;
- Parquet streams: the records converted through the declared columns (Hive's Parquet: strings,
  int64, doubles, INT96 timestamps);
- a Parquet stream's records Firehose could not convert: JSON documents (AWS: "Handling errors
  for data format conversion") under errors/kinesis/<stream>/format-conversion-failed/, with the
  same year=/month=/day= folders and object names.

contracts/firehose.yaml is what AWS documents of these objects, with its sources;
tests/test_contracts_streams.py checks this writer against it.
"""

import base64
import gzip
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

ARROW_TYPES = {
    "string": pa.string(),
    "boolean": pa.bool_(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("ns"),
}


# What the delivery's AppendDelimiterToRecord processor appends to every record (no parameter:
# the newline). contracts/firehose.yaml: records.delimiter.
DELIMITER = "\n"


def event_time(t):
    """How producers send a timestamp: UTC in Hive's format, which Firehose's OpenX JSON SerDe
    and Spark both read."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class Delivery:
    """Writes one stream's objects into a bronze directory, as its delivery stream would."""

    def __init__(self, bronze_root, stream, version=1):
        self.bronze = bronze_root
        self.stream = stream
        self.version = version
        self.clock = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def key(self, prefix, arrival):
        name = f"{self.stream.metric}-{self.version}-{arrival:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}"
        return f"{prefix}year={arrival:%Y}/month={arrival:%m}/day={arrival:%d}/{name}"

    def _arrive(self, arrival):
        if arrival is None:
            self.clock += timedelta(seconds=1)
            arrival = self.clock
        return arrival

    def _path(self, key):
        path = os.path.join(self.bronze, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def deliver(self, events, arrival=None, lines=None, ending=""):
        """Writes one object of events (dicts with the declared fields; event times as
        datetimes); lines, for a JSON stream, are raw records sent as they are (malformed ones).
        ending is what the producer ends each record with: nothing, or "\n" for one that
        already sends JSON Lines (the processor's newline then leaves a blank line after it).
        Returns the object's path. The object appears at once (renamed into place), as S3's do."""
        arrival = self._arrive(arrival)
        path = self._path(self.key(self.stream.bronze, arrival) + self.stream.extension)
        temporary = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
        if self.stream.format == "json":
            sent = [json.dumps(self.as_sent(e)) + ending for e in events] + [line + ending for line in lines or ()]
            data = "".join(record + DELIMITER for record in sent).encode()
            if self.stream.extension.endswith(".gz"):
                data = gzip.compress(data)
            with open(temporary, "wb") as f:
                f.write(data)
        else:
            assert not lines and not ending, (
                "a Parquet stream's malformed records are Firehose's conversion errors (conversion_failed)"
            )
            schema = pa.schema([(n, ARROW_TYPES[k]) for n, k in self.stream.columns])
            table = pa.Table.from_pylist([self.as_converted(e) for e in events], schema=schema)
            pq.write_table(table, temporary, use_deprecated_int96_timestamps=True, compression="snappy")
        os.rename(temporary, path)
        return path

    def redeliver(self, path, arrival=None):
        """The same content again under another object name (a retried delivery)."""
        arrival = self._arrive(arrival)
        again = self._path(self.key(self.stream.bronze, arrival) + self.stream.extension)
        with open(path, "rb") as src, open(again, "wb") as dst:
            dst.write(src.read())
        return again

    def conversion_failed(self, raw_records, arrival=None, delimiter="\n"):
        """One error object: a document per record Firehose could not convert to Parquet, each
        followed by delimiter (AWS shows the document, not what separates two: "" writes them
        back to back, which the speed layer must keep, not half-read)."""
        arrival = self._arrive(arrival)
        prefix = self.stream.errors
        assert prefix, "only Parquet streams have conversion errors"
        path = self._path(self.key(prefix, arrival))
        millis = int(arrival.timestamp() * 1000)
        docs = [
            {
                "attemptsMade": 1,
                "arrivalTimestamp": millis,
                "ErrorCode": "DataFormatConversion.MalformedData",
                "ErrorMessage": "The input record is not valid JSON or does not match the schema.",
                "attemptEndingTimestamp": millis + 10,
                "rawData": base64.b64encode(raw.encode()).decode(),
                "sequenceNumber": str(49650000000000000000 + i),
                "subSequenceNumber": 0,
                "dataCatalogTable": {"databaseName": "stream_schemas", "tableName": self.stream.name.replace("-", "_")},
            }
            for i, raw in enumerate(raw_records)
        ]
        with open(path, "w") as f:
            f.write("".join(json.dumps(d) + delimiter for d in docs))
        return path

    def as_sent(self, event):
        return {k: event_time(v) if isinstance(v, datetime) else v for k, v in event.items()}

    def as_converted(self, event):
        # Firehose converts by the declared columns only; Parquet's INT96 holds UTC wall time.
        return {
            n: (event[n].astimezone(UTC).replace(tzinfo=None) if isinstance(event.get(n), datetime) else event.get(n))
            for n, _ in self.stream.columns
        }


def event(stream, n, at, **fields):
    """Event n of the stream, at time at, with a value of its type for each declared column
    (fields override them): the event ID is unique per n and stream."""
    values = {
        "string": lambda c: f"{c}-{n % 7}",
        "bigint": lambda c: 1000 + n,
        "int": lambda c: n,
        "double": lambda c: n + 0.5,
        "float": lambda c: n + 0.25,
        "boolean": lambda c: n % 2 == 0,
    }
    out = {}
    for name, kind in stream.columns:
        if name == stream.event_id:
            out[name] = f"{stream.name}-{n:06d}"
        elif name == stream.event_time or kind == "timestamp":
            # Another timestamp (orders-events' updated_at, the change key): the event's own time.
            out[name] = at
        else:
            out[name] = values[kind](name)
    return {**out, **fields}
