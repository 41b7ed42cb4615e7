"""make jobs-guards counts a guard as proven only when its test ran and failed: a test that was
renamed away (pytest selects nothing, exit 5) or a file that no longer imports (a collection
error) proves nothing and is reported. Runs pytest on a tiny suite of its own, no Spark."""

import re

from tests import guard_mutations

SUITE = """
def test_passes():
    assert True

def test_fails():
    assert False
"""


def suite(tmp_path, text=SUITE):
    (tmp_path / "test_tiny.py").write_text(text)
    return ["test_tiny.py"]


def test_a_test_that_fails_proves_its_guard(tmp_path):
    unproven, summary = guard_mutations.run_case("test_fails", suite(tmp_path), cwd=tmp_path)
    assert unproven is None, summary


def test_a_test_that_passes_does_not(tmp_path):
    unproven, _ = guard_mutations.run_case("test_passes", suite(tmp_path), cwd=tmp_path)
    assert unproven == "STILL PASSES"


def test_a_renamed_test_selects_nothing_and_proves_nothing(tmp_path):
    unproven, _ = guard_mutations.run_case("test_renamed_away", suite(tmp_path), cwd=tmp_path)
    assert unproven == "SELECTS NO TEST: rename it here too"


def test_a_collection_error_proves_nothing(tmp_path):
    files = suite(tmp_path, SUITE + "\n    indented wrongly\n")
    unproven, _ = guard_mutations.run_case("test_fails", files, cwd=tmp_path)
    assert unproven.startswith("ERRORED (pytest exit 2)")


def test_every_case_selects_a_test_that_exists():
    # What -k selects (a substring of a test's name), found among its file's test functions:
    # caught here, before a slow run of make jobs-guards.
    for guard, _, _, _, test, *files in guard_mutations.CASES:
        path = (files or [guard_mutations.CDC_TESTS])[0]
        source = open(f"{guard_mutations.JOBS}/{path}").read()
        assert re.search(rf"^def test_\w*{test.removeprefix('test_')}\w*\(", source, re.M), (
            f"{guard}: {path} has no test {test}"
        )
