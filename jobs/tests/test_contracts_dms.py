"""The DMS fixture writer (tests/dms.py) against DMS's written contract (tests/contracts/dms.yaml):
the Parquet files it writes for every table of the sample schema, read back with pyarrow, must
have what AWS documents DMS writes: each column's type, two hops from the PostgreSQL type; DMS's
own columns; Op on full-load rows; the commit time as text in the documented format; the change
sequence's 35 digits; deletes that carry the key only. Every deviation is listed, and the number
of fields checked is printed."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataplatform_jobs import cdc
from tests import contracts, dms

CONTRACT = contracts.load("dms")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

# The Parquet types the contract names (DMS's S3 target page), as pyarrow reads them back.
PARQUET = {
    "INT64": pa.types.is_int64,
    "INT32": pa.types.is_int32,
    "STRING": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "DECIMAL": pa.types.is_decimal,
    "TIMESTAMP": pa.types.is_timestamp,
}


def contract_type(pg):
    """(the contract's entry for a PostgreSQL type as the DDL spells it, the match), or (None, None)."""
    for entry in CONTRACT["types"]:
        if m := re.fullmatch(entry["ddl"], pg):
            return entry, m
    return None, None


def sample(entry, match, i):
    """A value of DMS type entry["dms"] for row i, made from the contract, not from the fixture."""
    kind = entry["dms"]
    if kind in ("INT8", "INT4"):
        return i
    if kind == "NUMERIC":
        return Decimal(i).scaleb(-int(match["scale"])) + Decimal(i)
    if kind == "WSTRING":
        return ("X" * int(match["length"]))[: int(match["length"])]
    if kind == "NCLOB":
        return f"text {i} " * 20
    if kind == "DATETIME":
        return T0 + timedelta(minutes=i)
    raise AssertionError(f"no sample value for DMS type {kind}: add one")


class Checks:
    """Counts the fields checked and keeps every deviation."""

    def __init__(self):
        self.count, self.errors = 0, []

    def check(self, ok, message):
        self.count += 1
        if not ok:
            self.errors.append(message)


@pytest.fixture(scope="module")
def written(tmp_path_factory, rds_tables, columns):
    """{table: (its full-load file, its change file, key, [(column, PostgreSQL type)])} as the
    fixture writes them: two loaded rows, then an insert, an update and a delete."""
    root = str(tmp_path_factory.mktemp("bronze")) + "/"
    out = {}
    keys = dms.primary_keys()
    for name, cols in dms.source_columns().items():
        entries = {c: contract_type(pg) for c, pg in cols}
        if any(e is None for e, _ in entries.values()):
            out[name] = (None, None, keys[name], cols)
            continue
        rows = [{c: sample(e, m, i) for c, (e, m) in entries.items()} for i in (1, 2, 3)]
        writer = dms.writer(root, rds_tables[name], columns)
        load = writer.full_load(rows[:2])
        changed = dict(rows[0])
        changed.update({c: v for c, v in rows[2].items() if c not in keys[name]})
        change = writer.changes([("I", rows[2]), ("U", changed), ("D", rows[1])])
        out[name] = (pq.read_table(load), pq.read_table(change), keys[name], cols)
    return out


def test_the_dms_fixture_writes_what_the_contract_documents(written, columns, capsys):
    c = Checks()
    spec = CONTRACT["columns"]
    names = {"op": columns.op, "commit_time": columns.timestamp, "change_sequence": columns.sequence}
    time_format = contracts.datetime_regex(spec["commit_time"]["format"])
    digits = re.compile(rf"^\d{{{spec['change_sequence']['digits']}}}$")
    # The job parses the commit time with the format the contract quotes.
    c.check(
        cdc.COMMIT_TIME_FORMAT == spec["commit_time"]["format"], f"cdc.COMMIT_TIME_FORMAT {cdc.COMMIT_TIME_FORMAT!r}"
    )
    sequences = []
    for table, (load, change, key, cols) in written.items():
        for column, pg in cols:  # every type of the sample DDL has its two hops in the contract
            entry, m = contract_type(pg)
            c.check(entry is not None, f"{table}.{column}: PostgreSQL type {pg!r} is not in the contract")
            if entry and entry.get("max_precision") and m:
                c.check(
                    int(m["precision"]) <= entry["max_precision"], f"{table}.{column}: {pg} maps to STRING, not NUMERIC"
                )
        if load is None:
            continue
        for part, data in (("full load", load), ("changes", change)):
            where = f"{table} ({part})"
            expected = [names["op"], names["commit_time"], *[col for col, _ in cols], names["change_sequence"]]
            c.check(
                sorted(data.schema.names) == sorted(expected), f"{where}: columns {data.schema.names}, want {expected}"
            )
            c.check(data.schema.names[:1] == [names["op"]], f"{where}: {names['op']} is not the first column")
            for column, pg in cols:
                entry, m = contract_type(pg)
                if column not in data.schema.names:
                    continue
                got = data.schema.field(column).type
                c.check(
                    PARQUET[entry["parquet"]](got), f"{where}.{column}: {got}, want Parquet {entry['parquet']} ({pg})"
                )
                if entry["parquet"] == "DECIMAL" and pa.types.is_decimal(got):
                    c.check(
                        (got.precision, got.scale) == (int(m["precision"]), int(m["scale"])), f"{where}.{column}: {got}"
                    )
                if entry["parquet"] == "TIMESTAMP" and pa.types.is_timestamp(got):
                    c.check(got.unit == entry["unit"], f"{where}.{column}: unit {got.unit}, want {entry['unit']}")
            for role in ("op", "commit_time", "change_sequence"):
                if names[role] in data.schema.names:
                    got = data.schema.field(names[role]).type
                    c.check(
                        PARQUET[spec[role]["parquet"]](got),
                        f"{where}.{names[role]}: {got}, want {spec[role]['parquet']}",
                    )
            rows = data.to_pylist()
            allowed = spec["op"]["full_load" if part == "full load" else "changes"]
            for row in rows:
                c.check(row.get(names["op"]) in allowed, f"{where}: Op {row.get(names['op'])!r}, want one of {allowed}")
                stamp = row.get(names["commit_time"])
                c.check(isinstance(stamp, str) and bool(time_format.match(stamp)), f"{where}: commit time {stamp!r}")
                if part == "changes":
                    seq = row.get(names["change_sequence"])
                    c.check(isinstance(seq, str) and bool(digits.match(seq)), f"{where}: change sequence {seq!r}")
                    sequences.append(seq)
            for row in (r for r in rows if r.get(names["op"]) == "D"):
                for column, _ in cols:
                    if column in key:
                        c.check(row.get(column) is not None, f"{where}: a delete without its key column {column}")
                    else:
                        c.check(row.get(column) is None, f"{where}: a delete carries {column}={row.get(column)!r}")
    c.check(len(sequences) == len(set(sequences)), "change sequences repeat: AR_H_CHANGE_SEQ is unique at task level")
    with capsys.disabled():
        print(f"\nDMS contract: {c.count} fields checked over {2 * len(written)} files of {len(written)} tables")
    assert not c.errors, "the DMS fixture deviates from tests/contracts/dms.yaml:\n" + "\n".join(c.errors)
    assert c.count >= 100, f"only {c.count} fields checked: the fixture wrote less than the sample schema"


def test_the_contract_covers_every_type_of_the_sample_schema():
    """A DDL type the contract does not map is a type nobody has read DMS's pages for."""
    missing = {pg for cols in dms.source_columns().values() for _, pg in cols if contract_type(pg)[0] is None}
    assert not missing, f"config/sources/orders.sql uses types tests/contracts/dms.yaml does not map: {sorted(missing)}"
    # Two hops, each from its page: PostgreSQL to DMS (the source page), DMS to Parquet (the target's).
    one_hop = [e["ddl"] for e in CONTRACT["types"] if not {"postgresql-source", "s3-target-types"} <= set(e["quotes"])]
    assert not one_hop, f"types quoting one page of the two: {one_hop}"
