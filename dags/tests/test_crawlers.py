import unittest

import boto3
from moto import mock_aws

from platform_lib import crawlers
from tests.fakes import Clock


class ScriptedGlue:
    """A Glue client whose get_crawler walks through given states."""

    def __init__(self, *crawls):
        self.crawls = list(crawls)

    def get_crawler(self, Name):
        state = self.crawls.pop(0) if len(self.crawls) > 1 else self.crawls[0]
        return {"Crawler": {"Name": Name, **state}}


RUNNING = {"State": "RUNNING"}
STOPPING = {"State": "STOPPING"}


@mock_aws
class StartTest(unittest.TestCase):
    def setUp(self):
        self.glue = boto3.client("glue", region_name="us-east-1")
        self.glue.create_database(DatabaseInput={"Name": "develop_bronze"})
        self.glue.create_crawler(Name="dataplatform-develop-bronze-api", Role="arn:aws:iam::111111111111:role/crawler",
                                 DatabaseName="develop_bronze", Targets={"S3Targets": [{"Path": "s3://bronze/api/"}]})

    def test_starts_a_ready_crawler_and_joins_a_running_one(self):
        self.assertTrue(crawlers.start(self.glue, "dataplatform-develop-bronze-api"))
        self.assertEqual(self.glue.get_crawler(Name="dataplatform-develop-bronze-api")["Crawler"]["State"], "RUNNING")
        self.assertFalse(crawlers.start(self.glue, "dataplatform-develop-bronze-api"))

    def test_unknown_crawler_fails(self):
        with self.assertRaises(self.glue.exceptions.EntityNotFoundException):
            crawlers.start(self.glue, "missing")

    def test_wait_times_out_on_a_crawler_that_never_finishes(self):
        crawlers.start(self.glue, "dataplatform-develop-bronze-api")
        clock = Clock()
        with self.assertRaisesRegex(crawlers.CrawlerFailed, "still RUNNING after 90s"):
            crawlers.wait(self.glue, "dataplatform-develop-bronze-api", poll_seconds=30, timeout_seconds=90,
                          sleep=clock.sleep, clock=clock)
        self.assertEqual(clock.sleeps, [30, 30, 30])


class WaitTest(unittest.TestCase):
    def test_returns_when_ready_after_a_successful_crawl(self):
        glue = ScriptedGlue(RUNNING, STOPPING, {"State": "READY", "LastCrawl": {"Status": "SUCCEEDED"}})
        clock = Clock()
        self.assertEqual(crawlers.wait(glue, "c", poll_seconds=10, sleep=clock.sleep, clock=clock), "SUCCEEDED")
        self.assertEqual(clock.sleeps, [10, 10])

    def test_failed_crawl_raises_with_its_message(self):
        glue = ScriptedGlue(RUNNING, {"State": "READY", "LastCrawl": {"Status": "FAILED", "ErrorMessage": "AccessDenied"}})
        clock = Clock()
        with self.assertRaisesRegex(crawlers.CrawlerFailed, "crawler c ended FAILED: AccessDenied"):
            crawlers.wait(glue, "c", sleep=clock.sleep, clock=clock)

    def test_cancelled_crawl_raises(self):
        glue = ScriptedGlue({"State": "READY", "LastCrawl": {"Status": "CANCELLED"}})
        with self.assertRaisesRegex(crawlers.CrawlerFailed, "ended CANCELLED"):
            crawlers.wait(glue, "c", sleep=lambda s: None)
