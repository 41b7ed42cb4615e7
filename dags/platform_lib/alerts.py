"""Failed tasks alert the environment's SNS topic, where the alarms of every other stage go."""

from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

from platform_lib import settings

SUBJECT = "Airflow {{ dag.dag_id }}: task {{ ti.task_id }} failed"
MESSAGE = (
    "DAG {{ dag.dag_id }}, run {{ run_id }}: task {{ ti.task_id }} failed "
    "(try {{ ti.try_number }}).\n{{ exception | default('See the log.') }}\n"
    "Log: {{ ti.log_url }}"
)


def on_failure(context):
    """The on_failure_callback of every task: publishes to platform.alert_topic_arn as the
    execution role (sns:Publish on that topic, its key through SNS only).

    A new notifier per failure: a notifier renders its templates onto itself, and default_args
    share one instance among every task, so a shared one would repeat the first alert's text.
    """
    notifier = SnsNotifier(
        aws_conn_id=None,
        target_arn=settings.get(settings.ALERT_TOPIC_ARN),
        region_name=settings.get(settings.REGION),
        subject=SUBJECT,
        message=MESSAGE,
    )
    notifier(context)
