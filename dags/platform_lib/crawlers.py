"""Starts Glue crawlers and waits until each has finished."""

import time


class CrawlerFailed(RuntimeError):
    """A crawler finished without succeeding, or did not finish in time."""


def start(glue, name):
    """Starts the crawler; returns False when it was already running (the caller then waits
    for that run instead of failing: two pipeline runs may overlap)."""
    try:
        glue.start_crawler(Name=name)
        return True
    except glue.exceptions.CrawlerRunningException:
        return False


def wait(glue, name, poll_seconds=30, timeout_seconds=3600, sleep=time.sleep, clock=time.monotonic):
    """Polls the crawler until it is READY again and returns its last crawl's status.
    Raises CrawlerFailed when that crawl did not succeed or the timeout passes."""
    deadline = clock() + timeout_seconds
    while True:
        crawler = glue.get_crawler(Name=name)["Crawler"]
        if crawler["State"] == "READY":
            last = crawler.get("LastCrawl", {})
            status = last.get("Status")
            if status != "SUCCEEDED":
                raise CrawlerFailed(f"crawler {name} ended {status}: {last.get('ErrorMessage', 'no message')}")
            return status
        if clock() >= deadline:
            raise CrawlerFailed(f"crawler {name} still {crawler['State']} after {timeout_seconds}s")
        sleep(poll_seconds)


def run(glue, name, poll_seconds=30, timeout_seconds=3600, sleep=time.sleep, clock=time.monotonic):
    """Starts the crawler (or joins its current run) and waits for it to succeed."""
    start(glue, name)
    return wait(glue, name, poll_seconds, timeout_seconds, sleep, clock)
