import unittest

import requests

from platform_lib import http_fetch, sources
from tests.fakes import FakeResponse, FakeSession

PAGED = sources.Source(name="trades", url="https://x.test/trades", params={"limit": "2"},
                       pagination=sources.Pagination("header_cursor", "CB-AFTER", "after", 3))
PLAIN = sources.Source(name="rates", url="https://x.test/rates", records="data")
FAST = http_fetch.Retry(attempts=3, backoff_seconds=1, max_backoff_seconds=5)


class GetJsonTest(unittest.TestCase):
    def test_retries_server_errors_with_exponential_backoff(self):
        session = FakeSession(FakeResponse(503), requests.ConnectionError("reset"), FakeResponse(200, {"ok": 1}))
        sleeps = []
        body, _ = http_fetch.get_json(session, "https://x.test", {}, FAST, sleeps.append)
        self.assertEqual(body, {"ok": 1})
        self.assertEqual(sleeps, [1, 2])
        self.assertEqual(len(session.calls), 3)

    def test_honours_retry_after_capped(self):
        session = FakeSession(FakeResponse(429, headers={"Retry-After": "3"}),
                              FakeResponse(429, headers={"Retry-After": "3600"}), FakeResponse(200, []))
        sleeps = []
        http_fetch.get_json(session, "https://x.test", {}, FAST, sleeps.append)
        self.assertEqual(sleeps, [3.0, 5])

    def test_gives_up_after_the_last_attempt(self):
        session = FakeSession(FakeResponse(500), FakeResponse(502), FakeResponse(504))
        sleeps = []
        with self.assertRaisesRegex(http_fetch.FetchError, "gave up after 3 attempts; last error: HTTP 504"):
            http_fetch.get_json(session, "https://x.test", {}, FAST, sleeps.append)
        self.assertEqual(sleeps, [1, 2])  # no sleep after the last attempt

    def test_client_errors_fail_at_once(self):
        session = FakeSession(FakeResponse(404, text="not found"))
        with self.assertRaisesRegex(http_fetch.FetchError, "HTTP 404: not found"):
            http_fetch.get_json(session, "https://x.test", {}, FAST, lambda s: self.fail("slept"))

    def test_non_json_body_fails(self):
        session = FakeSession(FakeResponse(200, text="<html>"))
        with self.assertRaisesRegex(http_fetch.FetchError, "not JSON"):
            http_fetch.get_json(session, "https://x.test", {}, FAST, lambda s: None)

    def test_sends_params_timeout_and_headers(self):
        session = FakeSession(FakeResponse(200, []))
        http_fetch.get_json(session, "https://x.test", {"a": "1"}, FAST, lambda s: None)
        _, url, kwargs = session.calls[0]
        self.assertEqual(kwargs["params"], {"a": "1"})
        self.assertEqual(kwargs["timeout"], FAST.timeout_seconds)
        self.assertEqual(kwargs["headers"]["Accept"], "application/json")


class FetchAllTest(unittest.TestCase):
    def test_follows_the_cursor_until_no_header(self):
        session = FakeSession(
            FakeResponse(200, [{"id": 1}, {"id": 2}], headers={"CB-AFTER": "2"}),
            FakeResponse(200, [{"id": 3}], headers={}),
        )
        records, pages = http_fetch.fetch_all(session, PAGED, FAST, lambda s: None)
        self.assertEqual(records, [{"id": 1}, {"id": 2}, {"id": 3}])
        self.assertEqual(pages, 2)
        self.assertEqual(session.calls[1][2]["params"], {"limit": "2", "after": "2"})
        self.assertEqual(PAGED.params, {"limit": "2"}, "the source's params must not be mutated")

    def test_stops_at_max_pages(self):
        session = FakeSession(*[FakeResponse(200, [{"id": i}], headers={"CB-AFTER": str(i)}) for i in range(5)])
        records, pages = http_fetch.fetch_all(session, PAGED, FAST, lambda s: None)
        self.assertEqual(pages, 3)
        self.assertEqual(len(records), 3)

    def test_stops_on_a_repeated_cursor_or_empty_page(self):
        session = FakeSession(FakeResponse(200, [{"id": 1}], headers={"CB-AFTER": "x"}),
                              FakeResponse(200, [{"id": 2}], headers={"CB-AFTER": "x"}))
        self.assertEqual(http_fetch.fetch_all(session, PAGED, FAST, lambda s: None)[1], 2)
        session = FakeSession(FakeResponse(200, [], headers={"CB-AFTER": "y"}))
        self.assertEqual(http_fetch.fetch_all(session, PAGED, FAST, lambda s: None), ([], 1))

    def test_records_key_and_single_object(self):
        session = FakeSession(FakeResponse(200, {"data": {"currency": "USD", "rates": {"BTC": "0.00001"}}}))
        records, pages = http_fetch.fetch_all(session, PLAIN, FAST, lambda s: None)
        self.assertEqual(records, [{"currency": "USD", "rates": {"BTC": "0.00001"}}])
        self.assertEqual(pages, 1)

    def test_rejects_malformed_bodies(self):
        for body, message in [({"other": 1}, "no 'data' key"), ({"data": "text"}, "got str"), ({"data": [1, 2]}, "got list")]:
            with self.subTest(body=body):
                session = FakeSession(FakeResponse(200, body))
                with self.assertRaisesRegex(http_fetch.FetchError, message):
                    http_fetch.fetch_all(session, PLAIN, FAST, lambda s: None)
