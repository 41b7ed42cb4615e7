"""Glue crawls as AWS runs them, for the DAG tests' GlueCrawlerHook, sensor and trigger.

moto 5.2 gaps filled:
- A started crawl stays RUNNING on GetCrawler: only ListCrawls advances moto's state manager
  (model glue::crawl). Here every GetCrawler of a crawler advances its latest crawl one tick,
  so a crawl finishes after the state manager's "times" looks (default 1), as a real crawl
  finishes while a sensor polls.
- A finished crawl's LastCrawl.Status is COMPLETED; AWS says SUCCEEDED (Glue API,
  LastCrawlInfo.Status: SUCCEEDED | CANCELLED | FAILED), which the provider's sensor expects.
"""

from moto.glue.models import FakeCrawler

from . import patching

# What AWS calls the states moto's crawls end in.
LAST_CRAWL_STATUS = {"COMPLETED": "SUCCEEDED", "STOPPED": "CANCELLED"}

_as_dict = FakeCrawler.as_dict


def _as_dict_advancing(crawler):
    if crawler.crawls:
        crawler.crawls[-1].advance()
    data = _as_dict(crawler)
    last = data.get("LastCrawl")
    if last:
        last["Status"] = LAST_CRAWL_STATUS.get(last["Status"], last["Status"])
    return data


def apply():
    """GetCrawler advances the latest crawl and reports its status in AWS's words."""
    patching.replace(FakeCrawler, "as_dict", _as_dict_advancing)
