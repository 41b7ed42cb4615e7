"""Helpers for running a DAG end to end with dag.test() against the stand-ins."""

import json
import os

from tests import conftest, iam, mwaa

OPTIONS = mwaa.options(conftest.ENV)


def load_dag(dag_id):
    """A freshly parsed DAG, retries off so that a failure ends the run at once."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=conftest.DAGS, include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag(dag_id)
    for task in dag.tasks:
        task.retries = 0
    return dag


def states(run):
    """{task_id: state} of a finished run."""
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


class Alerts:
    """An SQS queue subscribed to the alert topic, to read what failed tasks published."""

    def __init__(self, aws):
        self.sns, self.sqs = aws("sns"), aws("sqs")
        topic = self.sns.create_topic(Name=OPTIONS["platform.alert_topic_arn"].split(":")[-1])["TopicArn"]
        assert topic == OPTIONS["platform.alert_topic_arn"]
        self.queue = self.sqs.create_queue(QueueName="alerts-" + os.urandom(4).hex())["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"}
        )

    def received(self):
        messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        return [json.loads(m["Body"]) for m in messages]


class Calls:
    """The AWS calls tasks make from now on, as recorded by moto."""

    def __init__(self, moto):
        self.recording = moto[1]
        self.start = _lines(self.recording)

    def made(self):
        return iam.calls(self.recording, conftest.TASK_ACCESS_KEY, conftest.ACCOUNT, skip=self.start)

    def assert_allowed(self, *expected_actions):
        """Each call is allowed by the execution role's policy; the calls are these actions."""
        made = self.made()
        actions = {action for action, _ in made}
        assert actions == set(expected_actions), f"tasks called {sorted(actions)}, expected {sorted(expected_actions)}"
        denied = iam.denied(made, mwaa.execution_policy(conftest.ENV))
        assert not denied, f"the execution role's policy does not allow: {denied}"
        return made


def _lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in f)
