"""DMS's bronze files, generated the way the Cdc stack configures DMS (stacks/cdc.go) and as
AWS documents its output (the contract in tests/contracts/dms.yaml, which test_contracts_dms.py
checks these files against): Parquet, one flat folder per table (rds/<schema>/<table>/), the
full load in LOAD########.parquet and each batch of changes in <yyyymmdd-hhmmssfff>.parquet.
Every row carries Op (I, U, D; the full load's rows too, IncludeOpForFullLoad), the commit-time
column (TimestampColumnName: a STRING, yyyy-MM-dd HH:mm:ss.SSSSSS, in UTC) and the change
sequence (AR_H_CHANGE_SEQ: 35 digits) under the names config gives. A delete carries the key
columns only, the others null: PostgreSQL's default replica identity logs no more of the old
row. Columns and types come from the sample schema, config/sources/orders.sql."""

import functools
import itertools
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

# TimestampColumnName's value: "The string format for this timestamp column value is
# yyyy-MM-dd HH:mm:ss.SSSSSS" (the contract). TIMESTAMP writes it as a Parquet timestamp
# instead, the other form the jobs accept.
STRING, TIMESTAMP = "string", "timestamp"
COMMIT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

# AR_H_CHANGE_SEQ's counter is one per task, shared by every table it replicates.
TASK_SEQUENCE = itertools.count(1)


def arrow_type(pg):
    if pg in PG_TYPES:
        return PG_TYPES[pg]
    if m := re.fullmatch(r"numeric\((\d+), ?(\d+)\)", pg):
        return pa.decimal128(int(m[1]), int(m[2]))
    if re.fullmatch(r"char\(\d+\)", pg):
        return pa.string()
    raise ValueError(f"{SCHEMA_SQL}: no Parquet type known for {pg!r}")


@functools.cache
def sample_schema():
    """{schema.table: ([(column, PostgreSQL type as the DDL spells it)], [key column])} of the
    sample schema, columns in their order: config/sources/orders.sql parsed once."""
    with open(SCHEMA_SQL) as f:
        text = f.read()
    out = {}
    for name, body in re.findall(r"CREATE TABLE (\S+) \((.*?)\n\);", text, re.S):
        cols, key = [], []
        for line in body.strip().splitlines():
            line = line.strip().rstrip(",")
            if m := re.match(r"PRIMARY KEY \((.*)\)", line):
                key = [c.strip() for c in m[1].split(",")]
                continue
            column, pg = re.match(r"(\w+) (numeric\(\d+, ?\d+\)|char\(\d+\)|\w+)", line).groups()
            cols.append((column, pg))
        out[name] = (cols, key)
    return out


def source_columns():
    """{schema.table: [(column, PostgreSQL type as the DDL spells it)]} of the sample schema,
    in column order."""
    return {name: list(cols) for name, (cols, _) in sample_schema().items()}


def source_tables():
    """{schema.table: [(column, arrow type)]} of the sample schema, in column order."""
    return {name: [(c, arrow_type(pg)) for c, pg in cols] for name, cols in source_columns().items()}


def primary_keys():
    """{schema.table: [key column]} of the sample schema (its PRIMARY KEY lines)."""
    return {name: list(key) for name, (_, key) in sample_schema().items() if key}


class Table:
    """Writes one table's bronze files under bronze_root + prefix, as DMS would. key names the
    primary key's columns: all a delete carries."""

    def __init__(self, bronze_root, prefix, columns, names, extra=(), *, key, commit_time=STRING):
        if commit_time not in (STRING, TIMESTAMP):
            raise ValueError(f"commit_time {commit_time!r}: {STRING!r} (as DMS documents it) or {TIMESTAMP!r}")
        self.folder = os.path.join(bronze_root, prefix)
        self.columns = list(columns) + list(extra)
        self.names = names  # settings.Columns: op, timestamp, sequence
        self.key = list(key)
        missing = set(self.key) - {c for c, _ in self.columns}
        if missing:
            raise ValueError(f"key {self.key}: no column {sorted(missing)} in {prefix}")
        self.commit_time = commit_time
        self.loads = 0
        self.clock = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        os.makedirs(self.folder, exist_ok=True)

    def schema(self):
        n = self.names
        ts = pa.string() if self.commit_time == STRING else pa.timestamp("us", tz="UTC")
        fields = [(n.op, pa.string()), (n.timestamp, ts)]
        fields += self.columns + [(n.sequence, pa.string())]
        return pa.schema(fields)

    def stamp(self, at):
        """The commit-time column's value for at (an aware datetime), as DMS writes it: UTC."""
        at = at.astimezone(UTC)
        return at.strftime(COMMIT_TIME_FORMAT) if self.commit_time == STRING else at

    def carried(self, op, row):
        """What DMS writes of row: a delete's key columns only (the others null)."""
        return {c: row.get(c) for c in self.key} if op == "D" else row

    def _write(self, name, rows):
        n = self.names
        table = pa.Table.from_pylist(
            [
                {n.op: op, n.timestamp: self.stamp(ts), n.sequence: seq, **self.carried(op, row)}
                for op, ts, seq, row in rows
            ],
            schema=self.schema(),
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
        """AR_H_CHANGE_SEQ: "a 35 digit unique number at task level. The first 16 digits are
        part of a timestamp, and the last 19 digits are the record_id number incremented by the
        DBMS" (the contract): yyyymmddhhmmss and hundredths of a second, then a counter."""
        at = at.astimezone(UTC)
        return at.strftime("%Y%m%d%H%M%S") + f"{at.microsecond // 10000:02d}" + f"{next(TASK_SEQUENCE):019d}"

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


def writer(bronze_root, table, names, **options):
    """The bronze writer of table (settings' replicated table), its columns and key from the
    sample schema."""
    return Table(
        bronze_root, table.bronze, source_tables()[table.name], names, key=primary_keys()[table.name], **options
    )


def money(x):
    return Decimal(x).quantize(Decimal("0.01"))
