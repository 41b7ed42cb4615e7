"""Pulls every page of one source over HTTP: retries and backoff from urllib3's Retry through
requests, then response validation."""

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "dataplatform-api-ingestion/1.0"
TIMEOUT_SECONDS = 30


class FetchError(RuntimeError):
    """The source did not return a valid response, even after retries."""


class CappedRetry(Retry):
    """urllib3's Retry, with Retry-After capped at MAX_RETRY_AFTER seconds.

    urllib3 caps its own backoff (backoff_max) but sleeps the whole Retry-After a server
    sends, so one "Retry-After: 86400" would hold an Airflow worker for a day. With the cap,
    the request is retried after at most a minute and, if the server still refuses, the task
    fails and Airflow's own retry_delay takes over.
    """

    MAX_RETRY_AFTER = 60.0

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.MAX_RETRY_AFTER)


def retry_policy():
    """Five retries of connection errors, timeouts, 429 and 5xx, with exponential backoff
    (0, 2, 4, 8, 16 s, at most 60) or the server's Retry-After, capped."""
    return CappedRetry(
        total=5,
        backoff_factor=1.0,
        backoff_max=60.0,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=True,
    )


def session():
    """A requests session that retries by retry_policy; use it as a context manager."""
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=retry_policy())
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    s.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
    return s


def get_json(http, url, params):
    """GETs url and returns (decoded JSON body, response headers).

    The session's Retry handles what repeating may fix (429, 5xx, connection errors); any
    other non-2xx status or a body that is not JSON fails at once."""
    try:
        response = http.get(url, params=params, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as e:
        raise FetchError(f"GET {url}: gave up after retries: {e}") from e
    if not 200 <= response.status_code < 300:
        raise FetchError(f"GET {url}: HTTP {response.status_code}: {response.text[:200]}")
    try:
        return response.json(), response.headers
    except ValueError as e:
        raise FetchError(f"GET {url}: response is not JSON: {e}") from e


def records_of(body, source):
    """The list of records in one response body: body[source.records], or the body itself.
    A single object counts as one record; anything else is a malformed response."""
    value = body
    if source.records:
        if not isinstance(body, dict) or source.records not in body:
            raise FetchError(f"{source.name}: response has no {source.records!r} key")
        value = body[source.records]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(r, dict) for r in value):
        return value
    raise FetchError(f"{source.name}: expected a JSON object or an array of objects, got {type(value).__name__}")


def fetch_all(http, source):
    """Returns (records, pages) of every page of source, following its cursor pagination up to
    max_pages. Pagination stops when the server sends no cursor, an empty page or the same
    cursor twice (a server bug that would otherwise loop)."""
    params = dict(source.params)
    records, pages, seen = [], 0, set()
    while True:
        body, headers = get_json(http, source.url, params)
        page = records_of(body, source)
        records.extend(page)
        pages += 1
        p = source.pagination
        if p.type != "header_cursor" or pages >= p.max_pages or not page:
            return records, pages
        cursor = headers.get(p.header)
        if not cursor or cursor in seen:
            return records, pages
        seen.add(cursor)
        params[p.param] = cursor
