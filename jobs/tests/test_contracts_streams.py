"""Producer contracts for Firehose and the API DAG's writer: each fixture writer the jobs' tests
use (fixtures/firehose.py: Delivery; fixtures/api.py: write_day) writes what its producer is
documented to write (contracts/firehose.yaml, contracts/api.yaml, each citing its pages, loaded
and checked by tests/contracts/__init__.py), with the producer's settings read from the
synthesized templates (test/testdata/<env>/) of every environment the app synthesizes. A
fixture that drifts from its producer would let the jobs pass on data the producer never writes.

Where an environment's Databricks is off (no Databricks stack, no bundle target), no job reads
its bronze: its deliveries and its DAG's writer are still checked against the contracts, the
jobs' fixtures are not (there is nothing for them to stand in for).

Each test counts the rules and fields it checked and prints the count."""

import base64
import codecs
import gzip
import json
import os
import re
from datetime import UTC, date, datetime

import boto3
import pytest
import yaml
from moto import mock_aws

from dataplatform_jobs import settings, speed
from fixtures import api as api_fixture
from fixtures import bundle, firehose
from fixtures.bundle import JOBS

from . import contracts

TESTDATA = os.path.join(api_fixture.ROOT, "test", "testdata")
EXPRESSION = re.compile(r"!\{([^}]*)\}")
FIELD = re.compile(r"\{([a-z_]+)\}")


def environments(template):
    """Every environment the app synthesizes template for (test/testdata/<env>/<template>), so
    no environment is left out by a hand-kept list."""
    return sorted(e for e in os.listdir(TESTDATA) if os.path.isfile(os.path.join(TESTDATA, e, template)))


STREAMING_ENVS = environments("Streaming.json")
AIRFLOW_ENVS = environments("Airflow.json")


def bundle_targets():
    with open(os.path.join(JOBS, "targets.yml")) as f:
        return yaml.safe_load(f)["targets"]


def job_variables(env):
    """The variables the bundle gives env's jobs (its production-mode target, named after env),
    or None where env's Databricks is off: then the app has no Databricks stack there and the
    bundle no target, and no job reads env's bronze."""
    target = bundle_targets().get(env)
    databricks = os.path.isfile(os.path.join(TESTDATA, env, "Databricks.json"))
    assert (target is not None) == databricks, (
        f"{env}: a Databricks stack ({databricks}) but a bundle target ({target is not None}): "
        "regenerate jobs/targets.yml (make bundle-config) and the templates (go test ./test -update)"
    )
    if target is None:
        return None
    assert target["variables"]["environment"] == env, (
        f"target {env} is environment {target['variables']['environment']}"
    )
    return target["variables"]


def test_every_environment_with_jobs_is_checked():
    """The environments the tests below run over hold every environment a bundle target
    deploys (the dev target is staging's), so none is skipped without a test failing."""
    deployed = {t["variables"]["environment"] for t in bundle_targets().values()}
    assert deployed, "the bundle has no target"
    assert deployed <= set(STREAMING_ENVS), f"no Streaming template for {sorted(deployed - set(STREAMING_ENVS))}"
    assert deployed <= set(AIRFLOW_ENVS), f"no Airflow template for {sorted(deployed - set(AIRFLOW_ENVS))}"


class Tally:
    """Counts each rule checked (and the fields it covered) while asserting it."""

    def __init__(self):
        self.rules, self.fields, self.objects = 0, 0, 0

    def check(self, ok, rule, fields=1):
        assert ok, rule
        self.rules += 1
        self.fields += fields

    def report(self, capsys, name):
        with capsys.disabled():
            print(f"\n{name}: {self.rules} checks covering {self.fields} fields, over {self.objects} objects")


def pattern(template, fields):
    """template with each {field} replaced by its regex (literal text escaped)."""
    out, pos = "", 0
    for m in FIELD.finditer(template):
        out += re.escape(template[pos : m.start()]) + f"(?:{fields[m.group(1)]})"
        pos = m.end()
    return out + re.escape(template[pos:])


# Firehose.


def deliveries(env):
    """The env's delivery streams' S3 destinations, by delivery stream name."""
    with open(os.path.join(TESTDATA, env, "Streaming.json")) as f:
        template = json.load(f)
    return {
        r["Properties"]["DeliveryStreamName"]: r["Properties"]["ExtendedS3DestinationConfiguration"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::KinesisFirehose::DeliveryStream"
    }


def evaluated(prefix, key_contract, error_type=None):
    """The regex of what prefix evaluates to: each !{namespace:value} by the contract."""
    out, pos = "", 0
    for m in EXPRESSION.finditer(prefix):
        out += re.escape(prefix[pos : m.start()])
        expression = m.group(1)
        if expression == "firehose:error-output-type":
            assert error_type, f"{prefix}: an error output type outside the error prefix"
            out += re.escape(error_type)
        else:
            assert expression in key_contract["expressions"], f"{prefix}: !{{{expression}}} is not in the contract"
            out += f"(?:{key_contract['expressions'][expression]})"
        pos = m.end()
    return out + re.escape(prefix[pos:])


def literal_head(prefix, error_type=""):
    """The folders of prefix before its first timestamp expression (what the jobs read)."""
    head = prefix.replace("!{firehose:error-output-type}", error_type)
    return head[: head.rindex("/", 0, head.index("!{")) + 1] if "!{" in head else head


def object_key_regex(key_contract, prefix, name, extension, error_type=None):
    fields = dict(key_contract["fields"], stream=re.escape(name), extension=re.escape(extension))
    if error_type and key_contract["error_extension_optional"]:
        fields["extension"] = f"(?:{re.escape(extension)})?"
    return re.compile(evaluated(prefix, key_contract, error_type) + pattern(key_contract["suffix"], fields) + "$")


def relative(path, root):
    return os.path.relpath(path, root).replace(os.sep, "/")


def sent_events(stream, n):
    """n events of the stream, one with a value that JSON must escape (a newline, unicode)."""
    at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    return [firehose.event(stream, i, at) for i in range(n - 1)] + [
        firehose.event(stream, n - 1, at, **({"page": "/a\nb/€"} if "page" in dict(stream.columns) else {}))
    ]


def check_delivery(tally, doc, name, destination):
    """One delivery stream's settings against the contract, whoever reads its objects: every
    expression of its prefixes documented, and for its format the compression, extension and
    (JSON) the delimiter processor the contract requires. Returns its format."""
    key_contract, rules = doc["object_key"], doc["body"]
    error_type = key_contract["error_output_type"]
    for prefix, kind in ((destination["Prefix"], None), (destination.get("ErrorOutputPrefix", ""), error_type)):
        undocumented = [e for e in EXPRESSION.findall(prefix) if not documented(e, key_contract, kind)]
        tally.check(prefix and not undocumented, f"{name}: prefix {prefix!r}: undocumented {undocumented}")
    extension = destination.get("FileExtension", "")
    # CompressionFormat: "If no value is specified, the default is UNCOMPRESSED" (the contract).
    compression = destination.get("CompressionFormat", "UNCOMPRESSED")
    if destination.get("DataFormatConversionConfiguration", {}).get("Enabled", False):
        tally.check(compression == "UNCOMPRESSED", f"{name}: a converted stream compresses {compression}")
        tally.check(extension.endswith(rules["parquet"]["extension_ends"]), f"{name}: extension {extension!r}")
        return "parquet"
    tally.check(compression in rules["compression"], f"{name}: compression {compression} is not in the contract")
    ends = rules["compression"].get(compression, {}).get("extension_ends")
    tally.check(ends is not None and extension.endswith(ends), f"{name}: extension {extension!r} for {compression}")
    processors = [p["Type"] for p in destination.get("ProcessingConfiguration", {}).get("Processors", [])]
    tally.check(
        rules["json_processor"] in processors,
        f"{name}: without {rules['json_processor']} Firehose concatenates records with no delimiter",
    )
    return "json"


def documented(expression, key_contract, error_type):
    if expression == "firehose:error-output-type":
        return error_type is not None
    return expression in key_contract["expressions"]


def check_json_body(tally, rules, destination, stream, path, sent):
    """The fixture object's bytes: the delivery's compression, and each record followed by the
    processor's delimiter (and nothing else), one record per line."""
    compression = destination.get("CompressionFormat", "UNCOMPRESSED")
    expected = rules["compression"][compression]
    with open(path, "rb") as f:
        data = f.read()
    tally.check(data[: len(expected["magic"]) // 2].hex() == expected["magic"], f"{stream.name}: not {compression}")
    text = (gzip.decompress(data) if compression == "GZIP" else data).decode("utf-8")
    tally.check(
        text == "".join(record + rules["delimiter"] for record in sent),
        f"{stream.name}: each record as sent, followed by {rules['delimiter']!r}",
        fields=len(sent),
    )
    return text


@pytest.mark.parametrize("env", STREAMING_ENVS)
def test_firehose_objects_are_what_firehose_writes(env, tmp_path, capsys):
    doc = contracts.load("firehose")
    configured = deliveries(env)
    tally = Tally()
    assert configured, f"{env}: no delivery stream in its Streaming template"
    kinds = {name: check_delivery(tally, doc, name, destination) for name, destination in configured.items()}
    variables = job_variables(env)
    if variables is None:
        tally.report(capsys, f"firehose contract ({env}, {len(configured)} deliveries; no job reads its bronze)")
        return
    checked = check_fixture(tally, doc, env, variables, configured, tmp_path)
    assert checked == set(kinds.values()), (
        f"{env}: the fixture was checked on {sorted(checked)} streams, the deliveries are {sorted(set(kinds.values()))}"
    )
    tally.report(capsys, f"firehose contract ({env}, {len(configured)} deliveries)")


def test_the_firehose_fixture_is_checked_on_both_formats():
    """Over the environments with jobs, the fixture's JSON and Parquet branches both run."""
    formats = {
        s.format
        for env in STREAMING_ENVS
        if (v := job_variables(env)) is not None
        for s in settings.streams(v["streams"])
    }
    assert formats == {"json", "parquet"}, f"the jobs read only {sorted(formats)} streams: test the other format too"


def check_fixture(tally, doc, env, variables, configured, tmp_path):
    """The jobs' fixture writer (fixtures/firehose.py), for each stream env's jobs read, against
    the contract and the stream's delivery. Returns the formats checked."""
    key_contract, rules, errors = doc["object_key"], doc["body"], doc["conversion_errors"]
    kinds = set()
    for stream in settings.streams(variables["streams"]):
        bronze = str(tmp_path / stream.name) + "/"
        delivery = firehose.Delivery(bronze, stream)
        tally.check(stream.metric in configured, f"{stream.name}: no delivery stream {stream.metric} in {env}")
        destination = configured[stream.metric]
        kinds.add(stream.format)
        tally.check(stream.extension == destination["FileExtension"], f"{stream.name}: extension")
        head = literal_head(destination["Prefix"])
        tally.check(stream.bronze == head, f"{stream.name}: the job reads {stream.bronze}, Firehose writes {head}")
        data_key = object_key_regex(key_contract, destination["Prefix"], stream.metric, stream.extension)
        converted = destination.get("DataFormatConversionConfiguration", {}).get("Enabled", False)
        tally.check(converted == (stream.format == "parquet"), f"{stream.name}: format conversion")

        if stream.format == "json":
            tally.check(stream.errors == "", f"{stream.name}: a JSON stream has no conversion errors to read")
            events = sent_events(stream, 4)
            raw = ['{"truncated": ', "[1, 2]"]
            sent = [json.dumps(delivery.as_sent(e)) for e in events] + raw
            path = delivery.deliver(events, lines=raw)
            tally.check(data_key.match(relative(path, bronze)), f"{stream.name}: key {relative(path, bronze)}")
            text = check_json_body(tally, rules, destination, stream, path, sent)
            lines = text.split(rules["delimiter"])[:-1]
            tally.check(lines == sent, f"{stream.name}: one record per line", fields=len(lines))
            # A producer that already ends its records with the newline: one blank line after each.
            newline = delivery.deliver(events, ending="\n")
            tally.check(data_key.match(relative(newline, bronze)), f"{stream.name}: key {relative(newline, bronze)}")
            text = check_json_body(tally, rules, destination, stream, newline, [r + "\n" for r in sent[: len(events)]])
            blank = [line for line in text.split(rules["delimiter"])[:-1] if not line.strip()]
            tally.check(
                len(blank) == len(events) * rules["producer_newline_blank_lines"], f"{stream.name}: blank lines"
            )
            tally.objects += 2
            continue

        path = delivery.deliver(sent_events(stream, 3))
        tally.check(data_key.match(relative(path, bronze)), f"{stream.name}: key {relative(path, bronze)}")
        with open(path, "rb") as f:
            data = f.read()
        magic = bytes.fromhex(rules["parquet"]["magic"])
        tally.check(data.startswith(magic) and data.endswith(magic), f"{stream.name}: not Parquet")

        error_type = key_contract["error_output_type"]
        error_prefix = destination["ErrorOutputPrefix"]
        head = literal_head(error_prefix, error_type)
        tally.check(stream.errors == head, f"{stream.name}: the job reads {stream.errors}, Firehose writes {head}")
        error_key = object_key_regex(key_contract, error_prefix, stream.metric, stream.extension, error_type)
        raws = ['{"order_id": "x"}', "garbage", "€"]
        for delimiter in ("\n", ""):
            path = delivery.conversion_failed(raws, delimiter=delimiter)
            tally.check(error_key.match(relative(path, bronze)), f"{stream.name}: error key {relative(path, bronze)}")
            docs = documents(open(path).read())
            tally.check(len(docs) == len(raws), f"{stream.name}: one document per failed record")
            for doc_, raw in zip(docs, raws, strict=True):
                check_error_document(tally, errors, doc_, raw)
            tally.objects += 1
        tally.objects += 1
    # The speed layer reads only documented fields of the error document.
    read = set(speed.FIREHOSE_ERROR.fieldNames())
    tally.check(read <= set(errors["fields"]), f"the speed layer reads {read - set(errors['fields'])}", len(read))
    return kinds


def documents(text):
    """The JSON documents of text, whatever separates them."""
    decoder, out, pos = json.JSONDecoder(), [], 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        value, pos = decoder.raw_decode(text, pos)
        out.append(value)
    return out


JSON_TYPES = {"long": int, "string": str, "object": dict}


def check_error_document(tally, errors, doc, raw):
    """One conversion error document: documented fields of the documented types, the required
    ones present, rawData the record as sent (base64)."""
    for name, value in doc.items():
        tally.check(name in errors["fields"], f"undocumented field {name}")
        kind = JSON_TYPES[errors["fields"][name]]
        tally.check(isinstance(value, kind) and not isinstance(value, bool), f"{name}: not a {errors['fields'][name]}")
    for name, value in doc.get("dataCatalogTable", {}).items():
        tally.check(name in errors["catalog_fields"], f"undocumented dataCatalogTable field {name}")
        tally.check(isinstance(value, JSON_TYPES[errors["catalog_fields"][name]]), f"dataCatalogTable.{name}")
    for required in errors["required"]:
        either = required if isinstance(required, list) else [required]
        tally.check(sum(name in doc for name in either) == 1, f"exactly one of {either}")
    encoding = errors["raw_data_encoding"]
    tally.check(
        decoded(encoding, doc["rawData"]) == raw, f"rawData {doc['rawData']!r} is not the record {raw!r}, {encoding}"
    )


def decoded(encoding, text):
    """text decoded as the contract says rawData is encoded, or None where it is not."""
    decoders = {"base64": lambda t: base64.b64decode(t, validate=True).decode()}
    try:
        return decoders[encoding](text)
    except ValueError:  # binascii.Error, UnicodeDecodeError
        return None


# The API DAG's writer.


def api_key_regex(doc, env, day_column):
    fields = dict(doc["object_key"]["fields"])
    fields["api_prefix"] = re.escape(api_fixture.airflow_options(env)[doc["prefix_option"]])
    fields["day_column"] = re.escape(day_column)
    return re.compile("^" + pattern(doc["object_key"]["format"], fields) + "$")


def api_day_column():
    """config.BronzeAPIDayColumn, one for every environment, as every bundle target gives it:
    the day column of an environment whose Databricks is off (no target)."""
    (column,) = {t["variables"]["api_day_column"] for t in bundle_targets().values()}
    return column


# JSON's kinds of value (json.org), as json.loads returns them.
JSON_VALUES = {"object": dict, "array": list, "string": str}
GZIP_MAGIC = b"\x1f\x8b"
UNPARSED = object()


def parsed(line):
    try:
        return json.loads(line)
    except ValueError:
        return UNPARSED


def check_api_body(tally, rules, body, records):
    """The bytes the DAG's writer put, against each rule of the contract's body (JSON Lines as
    jsonlines.org states it, and the writer's own docstrings): judged on the bytes, never on
    the contract's constants alone."""
    tally.check(body.startswith(GZIP_MAGIC) == rules["compressed"], f"compressed must be {rules['compressed']}")
    tally.check(body.startswith(codecs.BOM_UTF8) == rules["byte_order_mark"], "a byte order mark")
    try:
        text = body.decode(rules["encoding"], errors="strict")
    except UnicodeDecodeError:
        text = None
    tally.check(text is not None, f"not {rules['encoding']}")
    delimiter = rules["delimiter"]
    tally.check(text == "" or text.endswith(delimiter), f"the last record is not ended by {delimiter!r}")
    lines = text.split(delimiter)[:-1] if text else []
    tally.check(sum(not line.strip() for line in lines) == rules["blank_lines"], "blank lines")
    tally.check(all(line == line.strip() for line in lines), f"something besides {delimiter!r} between records")
    values = [parsed(line) for line in lines]
    kind = JSON_VALUES[rules["line"]]
    tally.check(all(isinstance(v, kind) for v in values), f"each line one JSON {rules['line']}", fields=len(lines))
    tally.check(values == records, "one line per record, the record itself", fields=len(records))


def api_records():
    return [
        {"trade_id": 1, "side": "buy", "price": "65000.12", "size": "0.0100", "time": "2026-05-01T12:00:00.1Z"},
        {"trade_id": 2, "side": "sell", "note": "a\nb €\r\u2028", "rates": {"EUR": "0.92"}},
    ]


def dag_source_names():
    with open(os.path.join(api_fixture.ROOT, "dags", "api_sources.json")) as f:
        return sorted(s["name"] for s in json.load(f)["sources"])


# The test's own API source, besides the declared ones: the layout is checked even where a team
# declares none (having removed the sample's), and its folder is where config would put it.
OWN_API_SOURCE = "made_up_source"


@pytest.mark.parametrize("env", AIRFLOW_ENVS)
def test_api_bronze_is_what_the_dag_writes(env, capsys):
    """The keys and bytes the DAG's own writer puts on (moto's) S3, under the prefix env's
    Airflow stack hands the DAG, against the contract; where env's jobs read them, also the
    folders the job reads and the prefix the jobs' fixture writes under."""
    doc = contracts.load("api")
    variables = job_variables(env)
    tally = Tally()
    names = dag_source_names()
    folders = {}
    if variables is not None:
        sources = settings.api_sources(variables["api_sources"])
        tally.check(names == sorted(s.name for s in sources), "the DAG pulls exactly the sources the job reads")
        folders = {s.name: s.bronze for s in sources}
        folders[OWN_API_SOURCE] = bundle.api_source(OWN_API_SOURCE, [], []).bronze
    day_column = variables["api_day_column"] if variables is not None else api_day_column()
    key_regex = api_key_regex(doc, env, day_column)
    prefix = api_fixture.airflow_options(env)[doc["prefix_option"]]
    if variables is not None:
        tally.check(
            prefix == api_fixture.API_ROOT, f"the fixture writes under {api_fixture.API_ROOT}, the DAG {prefix}"
        )
    day = date(2026, 5, 1)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bronze")
        for name in [*names, OWN_API_SOURCE]:
            for records in (api_records(), []):
                # The producer: the DAG's own writer, as api_ingestion calls it.
                key = api_fixture.bronze_lib.object_key(prefix, name, day)
                api_fixture.bronze_lib.write_records(s3, "bronze", key, records, metadata={"records": len(records)})
                tally.check(key_regex.match(key), f"the DAG's key {key}", fields=4)
                got = s3.get_object(Bucket="bronze", Key=key)
                tally.check(got["ContentType"] == doc["body"]["content_type"], f"{key}: content type")
                check_api_body(tally, doc["body"], got["Body"].read(), records)
                if name in folders:
                    # The jobs read the day's folder under the source's prefix, by partition discovery.
                    folder = f"{folders[name]}{day_column}={day.isoformat()}/"
                    tally.check(key.startswith(folder), f"the DAG writes {key}, the job reads {folder}")
                tally.objects += 1
            again = api_fixture.bronze_lib.object_key(prefix, name, datetime(2026, 5, 1, 23, 59, tzinfo=UTC))
            tally.check(again == key, f"{name}: one object per source and day")
    jobs = "" if variables is not None else "; no job reads its bronze"
    tally.report(capsys, f"api contract ({env}{jobs})")


def test_the_api_fixture_writes_with_the_dags_own_code(tmp_path, monkeypatch):
    """tests/api_fixture.py: write_day is the DAG's writer, never a hand-kept copy: it loads
    dags/platform_lib/bronze.py and writes the key and bytes its object_key and to_json_lines
    return (a copy would not call them, and the test above judges those against the contract)."""
    lib = api_fixture.bronze_lib
    assert os.path.samefile(lib.__file__, os.path.join(api_fixture.ROOT, "dags", "platform_lib", "bronze.py"))
    calls = []

    def spy(name, function):
        def called(*args):
            calls.append(name)
            return function(*args)

        return called

    real_key, real_lines = lib.object_key, lib.to_json_lines
    monkeypatch.setattr(lib, "object_key", spy("object_key", real_key))
    monkeypatch.setattr(lib, "to_json_lines", spy("to_json_lines", real_lines))
    day, name = date(2026, 5, 1), OWN_API_SOURCE
    bronze = str(tmp_path) + "/"
    path = api_fixture.write_day(bronze, name, api_records(), day)
    assert sorted(calls) == ["object_key", "to_json_lines"], f"write_day called {calls} of the DAG's writer"
    assert relative(path, bronze) == real_key(api_fixture.API_ROOT, name, day)
    with open(path, "rb") as f:
        assert f.read() == real_lines(api_records())


def _deviations():
    """(what, bytes) that a writer might put instead of JSON Lines, each breaking one rule."""
    good = api_fixture.bronze_lib.to_json_lines(api_records())
    lines = good.split(b"\n")[:-1]
    return [
        ("no final newline", good[:-1]),
        ("gzip", gzip.compress(good)),
        ("byte order mark", codecs.BOM_UTF8 + good),
        # The writer escapes non-ASCII (\u20ac); a writer that did not, in ISO 8859-15, writes byte A4.
        ("not utf-8", good.replace(b"\\u20ac", b"\xa4")),
        ("a blank line", lines[0] + b"\n\n" + b"\n".join(lines[1:]) + b"\n"),
        ("CRLF", b"".join(line + b"\r\n" for line in lines)),
        ("two objects on a line", lines[0] + lines[1] + b"\n"),
        ("an array per line", b"".join(b"[" + line + b"]\n" for line in lines)),
        ("a record missing", lines[0] + b"\n"),
    ]


@pytest.mark.parametrize(("what", "body"), _deviations(), ids=[w for w, _ in _deviations()])
def test_the_api_body_check_refuses_each_deviation(what, body):
    """The control for check_api_body: it passes the DAG's real bytes and fails each deviation,
    so it judges the bytes, not the contract's constants."""
    rules = contracts.load("api")["body"]
    good = api_fixture.bronze_lib.to_json_lines(api_records())
    assert body != good, f"{what}: no deviation"
    check_api_body(Tally(), rules, good, api_records())
    with pytest.raises(AssertionError):
        check_api_body(Tally(), rules, body, api_records())


def _without_processor(d):
    d["ProcessingConfiguration"] = {"Enabled": True, "Processors": []}


@pytest.mark.parametrize(
    "mutate",
    [
        _without_processor,
        lambda d: d.update(CompressionFormat="ZIP"),
        lambda d: d.update(FileExtension=".json"),
        lambda d: d.update(Prefix=d["Prefix"].replace("!{timestamp:yyyy}", "!{timestamp:yy}")),
        lambda d: d.update(Prefix=d["Prefix"] + "!{firehose:error-output-type}/"),
    ],
    ids=["no delimiter processor", "undocumented compression", "extension", "undocumented expression", "error type"],
)
def test_the_delivery_check_refuses_each_deviation(mutate):
    """The control for check_delivery, on a JSON delivery of every environment's templates."""
    doc = contracts.load("firehose")
    for env in STREAMING_ENVS:
        for name, destination in deliveries(env).items():
            if check_delivery(Tally(), doc, name, destination) != "json":
                continue
            broken = json.loads(json.dumps(destination))
            mutate(broken)
            with pytest.raises(AssertionError):
                check_delivery(Tally(), doc, name, broken)
            return
    pytest.fail("no JSON delivery in any environment")
