"""Gold past day 100, on purpose: the rule over the shipped manifest (manifest.json, which
test_manifest.py keeps current) that every partitioned model writes at most 100 partitions a
statement on Athena, by design rather than by dbt-athena's fallback.

Athena's CTAS and INSERT INTO write at most 100 partitions a statement
(ICEBERG_TOO_MANY_OPEN_PARTITIONS on Iceberg). Without force_batch, dbt-athena 1.11 runs the
model's CTAS (or MERGE) whole, and only when Athena fails it with *TOO_MANY_OPEN_PARTITIONS
(adapters/athena/impl.py, run_query_with_partitions_limit_catching) builds it again in batches
(create_table_as_with_partitions in macros/materializations/models/table/create_table_as.sql,
batch_iceberg_merge in .../incremental/merge.sql): a full scan wasted on every rebuild past
day 100. So a partitioned model must be one of:
- any materialization with force_batch=true and partitions_limit from 1 to 100: dbt-athena
  batches from the start (safe_create_table_as, and iceberg_merge for an incremental model);
- incremental, with its lookback declared in meta.lookback ({'column': a partition key,
  'partitions': 1 to 100}) and its filter rendered from it by incremental_lookback()
  (macros/lookback.sql), so each run writes that many partition values back from the table's
  newest, and the days after it. A lookback the manifest cannot show (no declaration, a
  column that is not a partition key, a filter of its own on `this`) is refused. An incremental
  model needs the lookback even with force_batch: batches would keep a rebuild of every day
  from failing, but not from costing more every day.
And an incremental model sets on_schema_change to append_new_columns or fail: dbt's default,
ignore, drops a column added to the model without a word (and dbt-core 1.11 refuses ignore for
a model whose contract is enforced).

The manifest is parsed with the local target; partitioned_by and these configs are the same
for every target (no model sets them by target)."""

import copy
import re

import pytest

LIMIT = 100  # Athena's partitions a statement; dbt-athena's partitions_limit default
ALLOWED = (
    f"allowed: force_batch=true with partitions_limit 1 to {LIMIT}, or materialized='incremental' with "
    f"meta.lookback = {{'column': <a partition key>, 'partitions': 1 to {LIMIT}}} rendered by "
    "incremental_lookback() (macros/lookback.sql)"
)
SCHEMA_CHANGES = ("append_new_columns", "fail")
# The lookback macro's call, and any other mention of the model's own table in its SQL.
LOOKBACK_CALL = re.compile(r"\{\{\s*incremental_lookback\(\s*\)\s*\}\}")
THIS = re.compile(r"\bthis\b")


def as_bool(value):
    """dbt-athena reads force_batch with Jinja's as_bool: true, or the string 'true'."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def lookback_problem(node, keys):
    """Why the incremental model's lookback cannot be shown to be at most LIMIT partition
    values, or None."""
    lookback = (node["config"].get("meta") or {}).get("lookback")
    if not isinstance(lookback, dict) or "column" not in lookback or "partitions" not in lookback:
        return f"its lookback cannot be determined: meta.lookback is {lookback!r}"
    column, partitions = lookback["column"], lookback["partitions"]
    if column not in keys:
        return (
            f"its lookback cannot be determined: meta.lookback.column {column!r} is not one of its "
            f"partition keys {keys} (a key's own values count its partitions; a transform's do not)"
        )
    if not whole(partitions) or partitions < 1:
        return f"its lookback cannot be determined: meta.lookback.partitions is {partitions!r}"
    if partitions > LIMIT:
        return f"its lookback is {partitions} partition values, over Athena's {LIMIT} a statement"
    code = node.get("raw_code", "")
    if not LOOKBACK_CALL.search(code):
        return "its lookback cannot be determined: its SQL does not filter with {{ incremental_lookback() }}"
    if THIS.search(LOOKBACK_CALL.sub("", code)):
        return (
            "its lookback cannot be determined: its SQL reads its own table ({{ this }}) other than "
            "through incremental_lookback(), a filter the declaration does not describe"
        )
    return None


def violations(manifest):
    """Every partitioned model of the manifest that could write more than LIMIT partitions in
    one statement on Athena, and every incremental model that would drop a new column: one
    message each, naming the model, its materialization, what is wrong and what is allowed."""
    found = []
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["unique_id"]):
        if node["resource_type"] != "model":
            continue
        config = node["config"]
        materialized = config.get("materialized")
        where = f"{node['name']} ({node.get('original_file_path', node['unique_id'])}), materialized {materialized!r}"
        if materialized == "incremental" and config.get("on_schema_change") not in SCHEMA_CHANGES:
            found.append(
                f"{where}: on_schema_change is {config.get('on_schema_change')!r}, which drops a column added "
                f"to the model; allowed: {' or '.join(SCHEMA_CHANGES)}"
            )
        keys = config.get("partitioned_by") or []
        if not keys or materialized in ("view", "ephemeral"):
            continue
        where += f", partitioned by {keys}"
        batched = as_bool(config.get("force_batch"))
        limit = config.get("partitions_limit")
        if batched and not (whole(limit) and 1 <= limit <= LIMIT):
            found.append(f"{where}: force_batch with partitions_limit {limit!r}; {ALLOWED}")
            continue
        if materialized == "incremental":
            if problem := lookback_problem(node, keys):
                found.append(f"{where}: {problem}; {ALLOWED}")
        elif not batched:
            found.append(
                f"{where}: without force_batch each build writes every partition in one statement, which fails "
                f"past {LIMIT} and is built again in batches after a wasted scan; {ALLOWED}"
            )
    return found


def test_the_shipped_manifest_passes_the_rule(manifest):
    partitioned = [
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("partitioned_by")
    ]
    assert partitioned, "no partitioned model: the rule checks nothing"
    assert violations(manifest) == []


# -- the rule refuses what it must: models made for it -----------------------------------


def model(name, materialized, keys, code="select 1 as x", **config):
    return {
        "unique_id": f"model.dataplatform.{name}",
        "name": name,
        "resource_type": "model",
        "original_file_path": f"models/marts/{name}.sql",
        "raw_code": code,
        "config": {"materialized": materialized, "partitioned_by": keys, "meta": {}, **config},
    }


INCREMENTAL_CODE = "select d from t\n{% if is_incremental() %}\nwhere {{ incremental_lookback() }}\n{% endif %}"
HAND_WRITTEN = (
    "select d from t\n{% if is_incremental() %}\nwhere d >= (select max(d) - interval '200' day from {{ this }})"
    "\n{% endif %}"
)


def incremental(name, lookback, code=INCREMENTAL_CODE, **config):
    config = {"on_schema_change": "append_new_columns", **config}
    node = model(name, "incremental", ["d"], code, **config)
    if lookback is not None:
        node["config"]["meta"] = {"lookback": lookback}
    return node


GOOD = [
    model("batched_table", "table", ["day(ts)"], force_batch=True, partitions_limit=100),
    model("batched_table_string_flag", "table", ["d"], force_batch="true", partitions_limit=50),
    incremental("one_back", {"column": "d", "partitions": 1}),
    incremental("hundred_back", {"column": "d", "partitions": LIMIT}),
    incremental("one_back_batched", {"column": "d", "partitions": 1}, force_batch=True, partitions_limit=100),
    model("unpartitioned_table", "table", None),
    model("a_view", "view", ["d"]),
]

BAD = {
    "a partitioned table without force_batch": (model("bad", "table", ["day(ts)"]), ["'table'", "force_batch"]),
    "force_batch false": (model("bad", "table", ["d"], force_batch=False, partitions_limit=100), ["force_batch"]),
    "force_batch without partitions_limit": (model("bad", "table", ["d"], force_batch=True), ["partitions_limit None"]),
    "partitions_limit over 100": (
        model("bad", "table", ["d"], force_batch=True, partitions_limit=101),
        ["partitions_limit 101"],
    ),
    "a lookback over 100": (incremental("bad", {"column": "d", "partitions": 101}), ["101 partition values"]),
    "no lookback declared": (incremental("bad", None), ["cannot be determined", "meta.lookback is None"]),
    "a lookback in no partition key": (
        incremental("bad", {"column": "other", "partitions": 1}),
        ["cannot be determined", "'other'"],
    ),
    "a lookback that is no number": (
        incremental("bad", {"column": "d", "partitions": "1"}),
        ["cannot be determined", "'1'"],
    ),
    "a declared lookback the SQL does not use": (
        incremental("bad", {"column": "d", "partitions": 1}, code=HAND_WRITTEN),
        ["cannot be determined", "incremental_lookback"],
    ),
    "a filter of its own beside the declared one": (
        incremental(
            "bad", {"column": "d", "partitions": 1}, code=INCREMENTAL_CODE + " and d > (select 1 from {{ this }})"
        ),
        ["cannot be determined", "{{ this }}"],
    ),
    "force_batch does not excuse an incremental model's lookback": (
        incremental("bad", None, force_batch=True, partitions_limit=100),
        ["cannot be determined"],
    ),
    "an incremental model that drops new columns": (
        incremental("bad", {"column": "d", "partitions": 1}, on_schema_change="ignore"),
        ["on_schema_change is 'ignore'", "append_new_columns"],
    ),
}


def test_the_rule_passes_the_allowed_shapes():
    assert violations({"nodes": {n["unique_id"]: n for n in GOOD}}) == []


@pytest.mark.parametrize("case", BAD)
def test_the_rule_refuses_a_bad_model_naming_it_its_materialization_and_what_is_allowed(manifest, case):
    bad, says = BAD[case]
    with_bad = copy.deepcopy(manifest)
    with_bad["nodes"][bad["unique_id"]] = bad
    (found,) = violations(with_bad)
    materialized = bad["config"]["materialized"]
    assert found.startswith(f"bad (models/marts/bad.sql), materialized '{materialized}'"), found
    assert "allowed" in found, found
    for words in says:
        assert words in found, found
