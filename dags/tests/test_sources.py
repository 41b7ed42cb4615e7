import json
import os
import tempfile
import unittest
from unittest import mock

from platform_lib import sources


class SourcesTest(unittest.TestCase):
    def test_deployed_file_is_valid(self):
        loaded = sources.load()
        self.assertGreaterEqual(len(loaded), 1)
        for s in loaded:
            self.assertRegex(s.name, sources.NAME_PATTERN)
            self.assertTrue(s.url.startswith("https://"))

    def test_parses_pagination_and_params(self):
        [s] = sources.parse(
            [
                {
                    "name": "trades",
                    "url": "https://x.test/t",
                    "params": {"limit": 100},
                    "pagination": {"type": "header_cursor", "header": "CB-AFTER", "param": "after", "max_pages": 3},
                }
            ]
        )
        self.assertEqual(s.params, {"limit": "100"})
        self.assertEqual(s.pagination, sources.Pagination("header_cursor", "CB-AFTER", "after", 3))

    def test_rejects_bad_sources(self):
        cases = {
            "empty": ([], "non-empty JSON array"),
            "bad name": ([{"name": "Bad-Name", "url": "https://x"}], "name 'Bad-Name'"),
            "duplicate": ([{"name": "ab", "url": "https://x"}, {"name": "ab", "url": "https://y"}], "used twice"),
            "plain http": ([{"name": "ab", "url": "http://x"}], "must start with https://"),
            "unknown pagination": (
                [{"name": "ab", "url": "https://x", "pagination": {"type": "offset"}}],
                "none or header_cursor",
            ),
            "too many pages": (
                [
                    {
                        "name": "ab",
                        "url": "https://x",
                        "pagination": {"type": "header_cursor", "header": "h", "param": "p", "max_pages": 500},
                    }
                ],
                "from 1 to 100",
            ),
            "cursor without header": (
                [{"name": "ab", "url": "https://x", "pagination": {"type": "header_cursor", "param": "p"}}],
                "needs header and param",
            ),
        }
        for name, (raw, message) in cases.items():
            with self.subTest(name):
                with self.assertRaisesRegex(sources.InvalidSource, message):
                    sources.parse(raw)

    def test_plain_http_only_to_this_machine_and_only_in_tests(self):
        loopback = [{"name": "ab", "url": "http://127.0.0.1:8080/x"}]
        with self.assertRaisesRegex(sources.InvalidSource, "must start with https://"):
            sources.parse(loopback)
        with mock.patch.object(sources, "ALLOW_LOOPBACK", True):
            [s] = sources.parse(loopback)
            self.assertEqual(s.url, "http://127.0.0.1:8080/x")
            with self.assertRaisesRegex(sources.InvalidSource, "must start with https://"):
                sources.parse([{"name": "ab", "url": "http://127.0.0.2.example.com/x"}])

    def test_load_reads_a_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.json")
            with open(path, "w") as f:
                json.dump([{"name": "ab", "url": "https://x"}], f)
            self.assertEqual([s.name for s in sources.load(path)], ["ab"])
