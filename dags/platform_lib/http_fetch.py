"""Pulls every page of one source over HTTP, with retries, backoff and response validation."""

import time
from dataclasses import dataclass

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "dataplatform-api-ingestion/1.0"


class FetchError(RuntimeError):
    """The source did not return a valid response, even after retries."""


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to retry one request."""

    attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    timeout_seconds: float = 30.0

    def delay(self, attempt, retry_after=None):
        """Seconds to wait before attempt+1: Retry-After when the server sends one, else
        exponential backoff (1, 2, 4, ... seconds) capped at max_backoff_seconds."""
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff_seconds)
            except ValueError:
                pass
        return min(self.backoff_seconds * (2 ** (attempt - 1)), self.max_backoff_seconds)


def get_json(session, url, params, retry=Retry(), sleep=time.sleep):
    """GETs url and returns (decoded JSON body, response headers).

    Retries connection errors, timeouts, 429 and 5xx; any other non-2xx status or a body that
    is not JSON fails at once, because repeating the request would not change the answer.
    """
    import requests  # deferred: keeps module import cheap for the DAG parser

    last = None
    for attempt in range(1, retry.attempts + 1):
        try:
            response = session.get(url, params=params, timeout=retry.timeout_seconds,
                                    headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        except (requests.ConnectionError, requests.Timeout) as e:
            last = f"{type(e).__name__}: {e}"
            retry_after = None
        else:
            if response.status_code in RETRY_STATUSES:
                last = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After")
            elif not 200 <= response.status_code < 300:
                raise FetchError(f"GET {url}: HTTP {response.status_code}: {response.text[:200]}")
            else:
                try:
                    return response.json(), response.headers
                except ValueError as e:
                    raise FetchError(f"GET {url}: response is not JSON: {e}") from e
        if attempt < retry.attempts:
            sleep(retry.delay(attempt, retry_after))
    raise FetchError(f"GET {url}: gave up after {retry.attempts} attempts; last error: {last}")


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


def fetch_all(session, source, retry=Retry(), sleep=time.sleep):
    """Returns (records, pages) of every page of source, following its cursor pagination up to
    max_pages. Pagination stops when the server sends no cursor, an empty page or the same
    cursor twice (a server bug that would otherwise loop)."""
    params = dict(source.params)
    records, pages, seen = [], 0, set()
    while True:
        body, headers = get_json(session, source.url, params, retry, sleep)
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
