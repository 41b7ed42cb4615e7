"""Checks the DAG files without Airflow: they must compile, and every platform_lib function or
constant they use must exist (a typo there would otherwise surface only on MWAA)."""

import ast
import glob
import importlib
import os
import unittest

DAGS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAG_FILES = sorted(glob.glob(os.path.join(DAGS_DIR, "*.py")))


def platform_lib_uses(tree):
    """Yields (module, attribute) for every `module.attribute` whose module was imported with
    `from platform_lib import module [as alias]`."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "platform_lib":
            for name in node.names:
                aliases[name.asname or name.name] = name.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            yield aliases[node.value.id], node.attr


class DagWiringTest(unittest.TestCase):
    def test_there_are_dags(self):
        names = {os.path.basename(f) for f in DAG_FILES}
        self.assertTrue({"api_ingestion.py", "bronze_pipeline.py"} <= names, names)

    def test_dags_use_only_existing_platform_lib_names(self):
        for path in DAG_FILES:
            with self.subTest(dag=os.path.basename(path)):
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read(), path)
                uses = set(platform_lib_uses(tree))
                self.assertTrue(uses, "a DAG should delegate its logic to platform_lib")
                for module, attr in sorted(uses):
                    lib = importlib.import_module("platform_lib." + module)
                    self.assertTrue(hasattr(lib, attr), f"platform_lib.{module} has no {attr}")

    def test_dag_ids_match_file_names(self):
        for path in DAG_FILES:
            with self.subTest(dag=os.path.basename(path)):
                with open(path, encoding="utf-8") as f:
                    source = f.read()
                self.assertIn(f'dag_id="{os.path.basename(path)[:-3]}"', source)
