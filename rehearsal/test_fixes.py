"""One focused test per fix of rehearsal/fixes: each fails when its fix is not applied."""

import unittest

import boto3
from moto import mock_aws

from . import fixes
from .fixes import glue

REGION = "us-east-1"


class VersionTest(unittest.TestCase):
    def test_refuses_a_moto_the_fixes_were_not_written_for(self):
        with self.assertRaisesRegex(
            fixes.WrongMotoVersion, r"moto 5\.3\.0 is installed, but rehearsal/fixes patch moto 5\.2\.1"
        ):
            fixes.check_version("5.3.0")
        fixes.check_version()  # the locked moto


@mock_aws
class GlueCrawlTest(unittest.TestCase):
    def setUp(self):
        glue.apply()
        self.glue = boto3.client("glue", region_name=REGION)
        self.glue.create_crawler(
            Name="c", Role="arn:aws:iam::123456789012:role/r", Targets={"S3Targets": [{"Path": "s3://b/p/"}]}
        )

    def test_a_started_crawl_finishes_while_get_crawler_polls_and_reports_succeeded(self):
        self.glue.start_crawler(Name="c")
        crawler = self.glue.get_crawler(Name="c")["Crawler"]
        self.assertEqual(crawler["State"], "READY")
        self.assertEqual(crawler["LastCrawl"]["Status"], "SUCCEEDED")

    def test_a_running_crawl_refuses_a_second_start(self):
        self.glue.start_crawler(Name="c")
        with self.assertRaises(self.glue.exceptions.CrawlerRunningException):
            self.glue.start_crawler(Name="c")
