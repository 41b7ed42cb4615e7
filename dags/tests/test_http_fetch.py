"""The retry policy urllib3 applies to every API request, and response validation."""

import pytest
from urllib3.response import HTTPResponse

from platform_lib import http_fetch, sources


def test_a_huge_retry_after_is_capped():
    retry = http_fetch.retry_policy()
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "86400"})) == 60
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "3"})) == 3
    assert retry.get_retry_after(HTTPResponse(status=429)) is None


def test_the_cap_survives_each_retry():
    # urllib3 makes a new Retry per attempt (Retry.increment -> new): it must stay capped.
    retry = http_fetch.retry_policy().increment(method="GET", url="/x", response=HTTPResponse(status=503))
    assert isinstance(retry, http_fetch.CappedRetry)
    assert retry.get_retry_after(HTTPResponse(status=503, headers={"Retry-After": "7200"})) == 60


def test_retries_only_what_repeating_can_fix():
    retry = http_fetch.retry_policy()
    assert retry.total == 5
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.respect_retry_after_header
    assert retry.backoff_max == 60


@pytest.mark.parametrize(
    "body, error",
    [
        ({"data": "x"}, "expected a JSON object or an array of objects, got str"),
        ({"other": []}, "response has no 'data' key"),
        ([{"data": []}], "response has no 'data' key"),
        ({"data": [{"a": 1}, 2]}, "expected a JSON object or an array of objects, got list"),
    ],
)
def test_records_of_a_malformed_body(body, error):
    source = sources.Source(name="rates", url="https://example.com", records="data")
    with pytest.raises(http_fetch.FetchError, match=error):
        http_fetch.records_of(body, source)
