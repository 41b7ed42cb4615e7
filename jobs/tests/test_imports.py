"""No module outside tests/ imports the tests: make pipeline, the benchmarks and the fixture
writers they share (fixtures/) must run without the test suite, and a test module's import
side effects (fixtures, parametrized constants) must never reach them. Every Python file of
jobs/ outside tests/ is parsed (ast), so an import written any way (import tests.x, from tests
import x, from tests.x import y) is caught, in a file that exists today or is added later."""

import ast
import os

import pytest

JOBS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Folders that are not the project's own code: environments, builds, caches, Spark's output.
SKIP = {"tests", ".venv", "dist", "artifacts", "spark-warehouse", ".pytest_cache", "__pycache__", ".ruff_cache"}


def python_files(root=JOBS):
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIP and not d.startswith("."))
        yield from (os.path.join(folder, f) for f in sorted(files) if f.endswith(".py"))


def imports_of_tests(path):
    """(line, module) of every import of the tests package in the file at path."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "tests"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "tests":
            found.append((node.lineno, node.module))
    return found


def test_no_module_outside_tests_imports_the_tests():
    files = list(python_files())
    # The walk reaches the code it is meant to guard: a SKIP that hid everything would pass.
    assert {"pipeline", "benchmarks", "fixtures", "src"} <= {os.path.relpath(f, JOBS).split(os.sep)[0] for f in files}
    offenders = [
        f"{os.path.relpath(path, JOBS)}:{line}: imports {module}"
        for path in files
        for line, module in imports_of_tests(path)
    ]
    assert not offenders, "modules outside tests/ import the tests; import fixtures instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    ["import tests.dms", "from tests import conftest", "from tests.firehose import Delivery", "import os, tests"],
)
def test_every_form_of_a_tests_import_is_found(tmp_path, source):
    path = tmp_path / "module.py"
    path.write_text(f"{source}\n")
    assert imports_of_tests(str(path)) != []


def test_other_packages_of_similar_names_are_not_tests_imports(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("import testsuite\nfrom fixtures import dms\nfrom . import tests\n")
    assert imports_of_tests(str(path)) == []
