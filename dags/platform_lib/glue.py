"""Running the bronze Glue crawlers with the Amazon provider's hook, sensor and trigger.

Not GlueCrawlerOperator: it calls update_crawler (and update_tags, which deletes the crawler's
tags when the config has none) before it starts a crawl, needing glue:UpdateCrawler, GetTags
and UntagResource, and it fails on a crawler that is already running.
"""

from airflow.providers.amazon.aws.hooks.glue_crawler import GlueCrawlerHook
from airflow.providers.amazon.aws.sensors.glue_crawler import GlueCrawlerSensor
from airflow.providers.amazon.aws.triggers.glue_crawler import GlueCrawlerCompleteTrigger
from airflow.providers.amazon.aws.utils import validate_execute_complete_event
from airflow.sdk.exceptions import AirflowException
from botocore.exceptions import ClientError


def start_or_join(crawler_name, region_name):
    """Starts a crawl of crawler_name; a crawl already running (a schedule, an operator, an
    earlier attempt of this task) is joined instead: its result is as good as a new one.
    Returns "started" or "joined". Calls glue:StartCrawler only."""
    hook = GlueCrawlerHook(aws_conn_id=None, region_name=region_name)
    try:
        hook.start_crawler(crawler_name)
    except ClientError as e:
        if e.response["Error"]["Code"] != "CrawlerRunningException":
            raise
        hook.log.info("Crawler %s is already running: waiting for that crawl", crawler_name)
        return "joined"
    return "started"


class DeferrableGlueCrawlerSensor(GlueCrawlerSensor):
    """GlueCrawlerSensor that waits in the triggerer instead of a worker slot.

    The Amazon provider of MWAA's Airflow 3.2.1 image (9.25.0) has no deferrable crawler
    sensor, so this one defers to the provider's own GlueCrawlerCompleteTrigger: the
    crawler_ready waiter polls glue:GetCrawler until the crawler is READY and fails on a
    FAILED or CANCELLED last crawl. poke() (the parent's) stays for mode="poke" use.
    """

    def __init__(self, *, poll_interval=30, **kwargs):
        super().__init__(**kwargs)
        self.poll_interval = poll_interval

    def execute(self, context):
        self.defer(
            trigger=GlueCrawlerCompleteTrigger(
                crawler_name=self.crawler_name,
                waiter_delay=self.poll_interval,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
            timeout=self.execution_timeout,
        )

    def execute_complete(self, context, event=None):
        event = validate_execute_complete_event(event)
        if event["status"] != "success":
            raise AirflowException(f"crawler {self.crawler_name}: {event}")
        # The waiter stops at READY whatever the last crawl's status; only SUCCEEDED is a success.
        status = self.hook.get_crawler(self.crawler_name)["LastCrawl"]["Status"]
        if status != self.success_statuses:
            raise AirflowException(f"crawler {self.crawler_name}: last crawl {status}")
        return self.crawler_name
