"""DMS's bronze files, generated the way the Cdc stack configures DMS (stacks/cdc.go): Parquet,
one flat folder per table (rds/<schema>/<table>/), the full load in LOAD########.parquet and
each batch of changes in <yyyymmdd-hhmmssfff>.parquet; every row carries Op (I, U, D; the full
load's rows too, IncludeOpForFullLoad), the commit-time column and the change sequence
(AR_H_CHANGE_SEQ) under the names config gives. Columns and types come from the sample
schema, config/sources/orders.sql."""

import os
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_SQL = os.path.join(ROOT, "config", "sources", "orders.sql")

# How DMS writes PostgreSQL types to Parquet.
PG_TYPES = {
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "text": pa.string(),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}


def arrow_type(pg):
    if pg in PG_TYPES:
        return PG_TYPES[pg]
    if m := re.fullmatch(r"numeric\((\d+), ?(\d+)\)", pg):
        return pa.decimal128(int(m[1]), int(m[2]))
    if re.fullmatch(r"char\(\d+\)", pg):
        return pa.string()
    raise ValueError(f"{SCHEMA_SQL}: no Parquet type known for {pg!r}")


def source_tables():
    """{schema.table: [(column, arrow type)]} of the sample schema, in column order."""
    text = open(SCHEMA_SQL).read()
    out = {}
    for name, body in re.findall(r"CREATE TABLE (\S+) \((.*?)\n\);", text, re.S):
        cols = []
        for line in body.strip().splitlines():
            line = line.strip().rstrip(",")
            if line.startswith("PRIMARY KEY"):
                continue
            column, pg = re.match(r"(\w+) (numeric\(\d+, ?\d+\)|char\(\d+\)|\w+)", line).groups()
            cols.append((column, arrow_type(pg)))
        out[name] = cols
    return out


class Table:
    """Writes one table's bronze files under bronze_root + prefix, as DMS would."""

    def __init__(self, bronze_root, prefix, columns, names, extra=()):
        self.folder = os.path.join(bronze_root, prefix)
        self.columns = list(columns) + list(extra)
        self.names = names  # settings.Columns: op, timestamp, sequence
        self.loads = 0
        self.clock = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        self.sequence = 0
        os.makedirs(self.folder, exist_ok=True)

    def schema(self):
        n = self.names
        fields = [(n.op, pa.string()), (n.timestamp, pa.timestamp("us", tz="UTC"))]
        fields += self.columns + [(n.sequence, pa.string())]
        return pa.schema(fields)

    def _write(self, name, rows):
        n = self.names
        table = pa.Table.from_pylist(
            [{n.op: op, n.timestamp: ts, n.sequence: seq, **row} for op, ts, seq, row in rows], schema=self.schema()
        )
        path = os.path.join(self.folder, name)
        pq.write_table(table, path, version="2.6")
        return path

    def full_load(self, rows, at=None):
        """A full load of rows: Op I, the load's time, no change sequence."""
        self.loads += 1
        at = at or self.clock
        return self._write(f"LOAD{self.loads:08d}.parquet", [("I", at, None, r) for r in rows])

    def change_seq(self, at):
        """AR_H_CHANGE_SEQ: the commit's timestamp and an incrementing number, 35 digits."""
        self.sequence += 1
        return at.strftime("%Y%m%d%H%M%S") + f"{self.sequence:021d}"

    def changes(self, changes, at=None, name=None):
        """One CDC file of changes: (op, row) or (op, row, commit time) tuples."""
        at = at or self.tick()
        rows = []
        for change in changes:
            op, row, ts = change if len(change) == 3 else (*change, at)
            rows.append((op, ts, self.change_seq(ts), row))
        return self._write(name or at.strftime("%Y%m%d-%H%M%S%f")[:-3] + ".parquet", rows)

    def tick(self, seconds=60):
        self.clock += timedelta(seconds=seconds)
        return self.clock


def money(x):
    return Decimal(x).quantize(Decimal("0.01"))
