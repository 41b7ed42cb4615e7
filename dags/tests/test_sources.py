import json
import os
import tempfile
import unittest

from platform_lib import sources


class SourcesTest(unittest.TestCase):
    def test_reads_every_field_of_the_deployed_file(self):
        """Each source of the committed file (generated from config/sources/api.yaml) is read
        whole: what the file holds is what the DAG pulls."""
        with open(sources.DEFAULT_FILE, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertIn("do not edit", doc["generated"])
        loaded = sources.load()
        self.assertEqual([s.name for s in loaded], [s["name"] for s in doc["sources"]])
        for raw, s in zip(doc["sources"], loaded, strict=True):
            self.assertEqual(s.url, raw["url"])
            self.assertEqual(s.params, raw["params"])
            self.assertEqual(s.records, raw.get("records", ""))
            self.assertEqual(s.pagination, sources.Pagination(**raw.get("pagination", {})))

    def test_parses_pagination_and_params(self):
        [paged, single] = sources.parse(
            {
                "generated": "by a test",
                "sources": [
                    {
                        "name": "trades",
                        "url": "https://x.test/t",
                        "params": {"limit": "100"},
                        "pagination": {"type": "header_cursor", "header": "CB-AFTER", "param": "after", "max_pages": 3},
                    },
                    {"name": "rates", "url": "https://x.test/r", "params": {}, "records": "data"},
                ],
            }
        )
        self.assertEqual(paged.params, {"limit": "100"})
        self.assertEqual(paged.pagination, sources.Pagination("header_cursor", "CB-AFTER", "after", 3))
        self.assertEqual(paged.records, "")
        self.assertEqual(single.pagination, sources.Pagination())
        self.assertEqual(single.records, "data")

    def test_load_reads_a_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.json")
            with open(path, "w") as f:
                json.dump({"generated": "by a test", "sources": [{"name": "ab", "url": "https://x", "params": {}}]}, f)
            self.assertEqual([s.name for s in sources.load(path)], ["ab"])
