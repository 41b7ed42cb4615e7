"""Written contracts of the producers whose files bronze holds: what each producer writes, as
its vendor (or, for our own DAG, its code) documents it, one YAML file per producer (dms.yaml,
firehose.yaml, api.yaml). The fixture writers under tests/ are checked against them
(tests/test_contracts_*.py), so a fixture cannot drift from the documented output without a
test failing.

One schema for every contract:

- scalars at the top (producer, template, ...) describe the contract;
- `sources` names the pages it follows: each has either an https `url` or a `path` (a file of
  this repository, for a producer that is our own code), and the `section` it reads; optionally
  `see_also` (an https url) and a `note`;
- every other top-level entry is a rule section, and carries, somewhere below it (for a list,
  below each of its items), `quotes`: source name -> the quoted text, or a list of passages.
  A passage is verbatim from its source; `[...]` marks what is left out; context that is not
  on the page goes in a YAML comment, not in the quote.

load refuses a contract that breaks any of this: a quote of an unlisted source, a listed source
nothing quotes, a rule section with no quote, a source with neither an https url nor an
existing file, and, for a file of this repository (which can be read offline), a passage that
is not in the file."""

import os
import re

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's root: a `path` source is relative to it.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SOURCE_KEYS = {"url", "path", "section", "see_also", "note"}
ELISION = "[...]"


class InvalidContract(ValueError):
    """A contract file that does not cite what it claims."""


def load(name):
    """The contract <name>.yaml of this folder, its citations checked."""
    path = os.path.join(HERE, f"{name}.yaml")
    with open(path) as f:
        contract = yaml.safe_load(f)
    if not isinstance(contract, dict):
        raise InvalidContract(f"{path}: not a mapping")
    sources = contract.get("sources") or {}
    if not sources:
        raise InvalidContract(f"{path}: no sources: a contract cites the pages it follows")
    for source, page in sources.items():
        _check_source(path, source, page)
    quoted = list(_quotes(contract))
    for where, source, text in quoted:
        if source not in sources:
            raise InvalidContract(f"{path}: {where} quotes {source!r}, which is not among sources {sorted(sources)}")
        passages = text if isinstance(text, list) else [text]
        if not passages or not all(isinstance(p, str) and p.strip() for p in passages):
            raise InvalidContract(f"{path}: {where} quotes {source!r} with no text (a string, or a list of passages)")
        if "path" in sources[source]:
            for passage in passages:
                _check_passage(path, where, source, sources[source]["path"], passage)
    unquoted = sorted(set(sources) - {source for _, source, _ in quoted})
    if unquoted:
        raise InvalidContract(f"{path}: sources {unquoted} are listed but no rule quotes them")
    for section, rules in contract.items():
        if section == "sources" or not isinstance(rules, (dict, list)):
            continue
        items = [(f"{section}[{i}]", r) for i, r in enumerate(rules)] if isinstance(rules, list) else [(section, rules)]
        for where, rule in items:
            if not any(True for _ in _quotes(rule)):
                raise InvalidContract(f"{path}: {where} quotes no source: every rule cites the page it follows")
    return contract


def _check_source(path, source, page):
    if not isinstance(page, dict):
        raise InvalidContract(f"{path}: source {source} must be a mapping of {sorted(SOURCE_KEYS)}, got {page!r}")
    unknown = set(page) - SOURCE_KEYS
    if unknown:
        raise InvalidContract(f"{path}: source {source} has {sorted(unknown)}; a source has {sorted(SOURCE_KEYS)}")
    if ("url" in page) == ("path" in page):
        raise InvalidContract(f"{path}: source {source} needs exactly one of url (https) and path (a repository file)")
    if "url" in page and not str(page["url"]).startswith("https://"):
        raise InvalidContract(f"{path}: source {source}: url {page['url']!r} is not an https page")
    if "path" in page and not os.path.isfile(os.path.join(ROOT, str(page["path"]))):
        raise InvalidContract(f"{path}: source {source}: path {page['path']!r} is no file of the repository")
    if "see_also" in page and not str(page["see_also"]).startswith("https://"):
        raise InvalidContract(f"{path}: source {source}: see_also {page['see_also']!r} is not an https page")
    if not str(page.get("section") or "").strip():
        raise InvalidContract(f"{path}: source {source} needs the section it reads, got {page}")


def _words(text):
    return " ".join(text.split())


def _check_passage(path, where, source, file, passage):
    """Each part of passage between elisions is in file, whitespace aside."""
    with open(os.path.join(ROOT, file)) as f:
        body = _words(f.read())
    for part in (p.strip() for p in passage.split(ELISION)):
        if part and _words(part) not in body:
            raise InvalidContract(f"{path}: {where} quotes {source!r}, but {file} does not say {part!r}")


def _quotes(node, where="contract"):
    """(where, source, quoted text) of every rule below node."""
    if isinstance(node, dict):
        for source, text in (node.get("quotes") or {}).items():
            yield where, source, text
        for key, value in node.items():
            if key != "quotes":
                yield from _quotes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _quotes(value, f"{where}[{i}]")


# The numeric fields of a Java date-time pattern (as AWS documents formats): year, month, day,
# hour, minute, second, fraction; a run of n letters is n digits.
_NUMERIC_FIELDS = set("yMdHmsS")


def datetime_regex(pattern):
    """A regular expression that matches exactly the texts of a Java date-time pattern made of
    numeric fields and literal separators: "yyyy-MM-dd HH:mm:ss.SSSSSS" matches
    "2026-05-01 12:00:00.000000"."""
    out = []
    for run in re.finditer(r"([A-Za-z])\1*|[^A-Za-z]+", pattern):
        text = run.group(0)
        if text[0].isalpha():
            if text[0] not in _NUMERIC_FIELDS:
                raise InvalidContract(f"pattern {pattern!r}: the letter {text[0]!r} is not a numeric field")
            out.append(rf"\d{{{len(text)}}}")
        else:
            out.append(re.escape(text))
    return re.compile("^" + "".join(out) + "$")
