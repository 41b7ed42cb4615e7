"""The DMS fixture writer (fixtures/dms.py) against DMS's written contract (tests/contracts/dms.yaml):
the Parquet files it writes for every table of the generated tables file
(config/sources/tables.json), read back with pyarrow, must have what AWS documents DMS writes:
each column's type, two hops from the PostgreSQL type; DMS's own columns; Op on full-load rows;
the commit time as text in the documented format; the change sequence's 35 digits; deletes that
carry the key only. Every deviation is listed, and the number of fields checked is printed.

Every type the tables generator maps (tables.json's `types`), not only the sample's, has its two
hops in the contract, the fixture writes it as the contract says, and Spark reads that Parquet
column as the silver type the map gives it: the type the silver table is declared with."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataplatform_jobs import cdc, records
from fixtures import bundle, dms
from tests import contracts

CONTRACT = contracts.load("dms")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

# The Parquet types the contract names (DMS's S3 target page), as pyarrow reads them back.
PARQUET = {
    "INT64": pa.types.is_int64,
    "INT32": pa.types.is_int32,
    "INT16": pa.types.is_int16,
    "FLOAT": pa.types.is_float32,
    "DOUBLE": pa.types.is_float64,
    "DATE32": pa.types.is_date32,
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
    if kind in ("INT8", "INT4", "INT2"):
        return i
    if kind in ("REAL4", "REAL8"):
        return i + 0.5
    if kind == "DATE":
        return (T0 + timedelta(days=i)).date()
    if kind == "NUMERIC":
        return Decimal(i).scaleb(-int(match["scale"])) + Decimal(i)
    if kind == "WSTRING":
        return ("X" * int(match["length"]))[: int(match["length"])]
    if kind == "NCLOB":
        return f"text {i} " * 20
    if kind == "STRING":
        return f"string {i}"
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
    # DMS captures tables with a primary key only (config refuses the others).
    for name, cols in ((n, c) for n, c in dms.source_columns().items() if n in keys):
        entries = {c: contract_type(pg) for c, pg in cols}
        if any(e is None for e, _ in entries.values()):
            out[name] = (None, None, keys[name], cols)
            continue
        rows = [{c: sample(e, m, i) for c, (e, m) in entries.items()} for i in (1, 2, 3)]
        writer = dms.writer(root, rds_tables.get(name) or bundle.rds_table(name, keys[name]), columns)
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
    assert not missing, f"config/sources/tables.json has types tests/contracts/dms.yaml does not map: {sorted(missing)}"
    # Two hops, each from its page: PostgreSQL to DMS (the source page), DMS to Parquet (the target's).
    one_hop = [e["ddl"] for e in CONTRACT["types"] if not {"postgresql-source", "s3-target-types"} <= set(e["quotes"])]
    assert not one_hop, f"types quoting one page of the two: {one_hop}"


# A column of each type as pg_dump spells it: the types that take modifiers, with example ones.
EXAMPLE_MODIFIERS = {"numeric": "(12,2)", "character": "(2)", "character varying": "(40)"}


def silver_type(hive, source_type):
    """The map's silver type of a column of source_type: decimal takes the column's precision and scale."""
    if hive != "decimal":
        return hive
    _, modifiers = dms.split_type(source_type)
    return "decimal({},{})".format(*modifiers)


def test_every_type_the_generator_maps_has_both_hops_and_lands_as_silver_declares_it(spark, tmp_path, columns):
    """Each entry of tables.json's `types` (PostgreSQL type -> silver's Hive type), whether the
    sample uses it or not: the contract maps it in two hops, the fixture writes the Parquet type
    the contract names, and Spark reads that column as the Hive type the map gives, which is what
    silver declares (a table whose bronze Spark reads as another type is refused by the jobs)."""
    types = dms.generated()["types"]
    by_type = {e["type"]: e for e in CONTRACT["types"]}
    errors, written = [], []
    for i, (base, hive) in enumerate(types.items()):
        example = base + EXAMPLE_MODIFIERS.get(base, "")
        entry = by_type.get(base)
        match = entry and re.fullmatch(entry["ddl"], example)
        if not match:
            errors.append(
                f"{base!r}: no entry of tests/contracts/dms.yaml maps it (read DMS's pages, add its two hops)"
            )
            continue
        try:
            kind, arrow = dms.dms_type(example), dms.arrow_type(example)
        except ValueError as e:
            errors.append(f"{base!r}: the fixture does not write it: {e}")
            continue
        if kind != entry["dms"] or not PARQUET[entry["parquet"]](arrow):
            errors.append(
                f"{base!r}: the fixture writes DMS {kind} as {arrow}, the contract {entry['dms']}, {entry['parquet']}"
            )
            continue
        written.append((f"c{i}", example, silver_type(hive, example), arrow, entry, match))
    for table, cols in dms.source_columns().items():
        for column, source_type in cols:
            base, _ = dms.split_type(source_type)
            declared = dms.declarations()[table]["columns"]
            got = next(c["type"] for c in declared if c["name"] == column)
            if base not in types or got != silver_type(types[base], source_type):
                errors.append(f"{table}.{column}: {source_type} is {got} in silver, the map gives {types.get(base)}")
    assert written, "tables.json maps no type"
    writer = dms.Table(
        str(tmp_path) + "/", "rds/types/every/", [(n, a) for n, _, _, a, _, _ in written], columns, key=[]
    )
    path = writer.full_load([{n: sample(e, m, 1) for n, _, _, _, e, m in written}])
    read = {f.name: f.dataType for f in spark.read.parquet(path).schema.fields}
    for name, example, hive, _, entry, _ in written:
        if read[name] != records.spark_type(hive):
            errors.append(
                f"{example!r}: DMS writes Parquet {entry['parquet']}, which Spark reads as {read[name].simpleString()}, "
                f"but the map gives silver {hive}: the jobs would refuse the table"
            )
    assert not errors, "tables.json's types against tests/contracts/dms.yaml:\n" + "\n".join(errors)
