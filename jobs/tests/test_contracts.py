"""The producer contracts' one schema and loader (tests/contracts/__init__.py): every contract of
the folder loads under it, and a contract that does not cite what it claims is refused, each
kind of miss with its own message."""

import glob
import os

import pytest

from tests import contracts

GOOD_SOURCE = "sources:\n  a: {url: 'https://example.com/a', section: A}\n"
# A file of the repository and a passage it holds (the DAG writer's docstring).
WRITER = "dags/platform_lib/bronze.py"
WRITER_SAYS = "Newline-delimited JSON, one record per line"


@pytest.mark.parametrize(
    "name", sorted(os.path.basename(p)[: -len(".yaml")] for p in glob.glob(os.path.join(contracts.HERE, "*.yaml")))
)
def test_every_contract_loads_under_the_one_schema(name):
    contract = contracts.load(name)
    assert contract["sources"]


def test_there_is_a_contract_per_producer():
    names = {os.path.basename(p) for p in glob.glob(os.path.join(contracts.HERE, "*.yaml"))}
    assert {"dms.yaml", "firehose.yaml", "api.yaml"} <= names


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        (GOOD_SOURCE + "rule:\n  quotes: {b: 'text'}\n", r"rule quotes 'b', which is not among sources \['a'\]"),
        (
            GOOD_SOURCE + "  b: {url: 'https://example.com/b', section: B}\nrule:\n  quotes: {a: 'text'}\n",
            r"sources \['b'\] are listed but no rule quotes them",
        ),
        (GOOD_SOURCE + "rule:\n  quotes: {a: 'text'}\nother: {x: 1}\n", r"other quotes no source"),
        (GOOD_SOURCE + "rules:\n  - {x: 1, quotes: {a: 'text'}}\n  - {x: 2}\n", r"rules\[1\] quotes no source"),
        (GOOD_SOURCE + "rule:\n  quotes: {a: ['text', '  ']}\n", r"rule quotes 'a' with no text"),
        (
            "sources:\n  a: {url: 'http://example.com/a', section: A}\nrule:\n  quotes: {a: 'text'}\n",
            r"url 'http://example.com/a' is not an https page",
        ),
        ("sources:\n  a: {section: A}\nrule:\n  quotes: {a: 'text'}\n", r"needs exactly one of url \(https\) and path"),
        (
            "sources:\n  a: {url: 'https://example.com/a'}\nrule:\n  quotes: {a: 'text'}\n",
            r"needs the section it reads",
        ),
        (
            "sources:\n  a: {url: 'https://example.com/a', section: A, title: T}\nrule:\n  quotes: {a: 'text'}\n",
            r"source a has \['title'\]",
        ),
        (
            "sources:\n  a: {path: 'dags/no_such_file.py', section: A}\nrule:\n  quotes: {a: 'text'}\n",
            r"path 'dags/no_such_file.py' is no file of the repository",
        ),
        (
            f"sources:\n  a: {{path: '{WRITER}', section: A}}\nrule:\n  quotes: {{a: '{WRITER_SAYS} [...] it never says this'}}\n",
            rf"{WRITER} does not say 'it never says this'",
        ),
    ],
    ids=[
        "unlisted source",
        "source nobody quotes",
        "rule without a quote",
        "list item without a quote",
        "empty passage",
        "not https",
        "neither url nor path",
        "no section",
        "unknown key",
        "missing file",
        "passage not in the file",
    ],
)
def test_a_contract_that_does_not_cite_what_it_claims_is_refused(tmp_path, monkeypatch, text, refusal):
    (tmp_path / "broken.yaml").write_text(text)
    monkeypatch.setattr(contracts, "HERE", str(tmp_path))
    with pytest.raises(contracts.InvalidContract, match=refusal):
        contracts.load("broken")


def test_a_passage_of_a_repository_file_is_found_whitespace_aside(tmp_path, monkeypatch):
    """The control for the refusals above: the same contract with a passage the file holds
    (re-wrapped, and with an elision) loads."""
    passage = "Newline-delimited JSON,\n      one record per line [...] Writes records to s3://bucket/key"
    (tmp_path / "good.yaml").write_text(
        f"sources:\n  a: {{path: '{WRITER}', section: A}}\nrule:\n  quotes:\n    a: |-\n      {passage}\n"
    )
    monkeypatch.setattr(contracts, "HERE", str(tmp_path))
    assert contracts.load("good")["rule"]["quotes"]["a"].startswith("Newline-delimited JSON,")
