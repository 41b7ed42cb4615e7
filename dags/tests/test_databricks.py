import json
import unittest

import boto3
from moto import mock_aws

from platform_lib import databricks
from tests.fakes import Clock, FakeResponse, FakeSession

HOST = "https://dbc-1234.cloud.databricks.com"


@mock_aws
class CredentialsTest(unittest.TestCase):
    def setUp(self):
        self.sm = boto3.client("secretsmanager", region_name="us-east-1")

    def put(self, value):
        self.sm.create_secret(Name="dataplatform-develop-databricks-token", SecretString=value)
        return "dataplatform-develop-databricks-token"

    def test_reads_host_and_token(self):
        name = self.put(json.dumps({"host": HOST + "/", "token": "dapi123"}))
        self.assertEqual(databricks.credentials(self.sm, name), (HOST, "dapi123"))

    def test_refuses_the_generated_placeholder(self):
        name = self.put(json.dumps({"host": databricks.PLACEHOLDER_HOST, "token": "generated"}))
        with self.assertRaisesRegex(databricks.DatabricksError, "set host to your workspace URL"):
            databricks.credentials(self.sm, name)

    def test_refuses_non_json_and_empty_token(self):
        with self.assertRaisesRegex(databricks.DatabricksError, "is not JSON"):
            databricks.credentials(self.sm, self.put("dapi-plain"))
        self.sm.create_secret(Name="other", SecretString=json.dumps({"host": HOST, "token": ""}))
        with self.assertRaisesRegex(databricks.DatabricksError, "token is empty"):
            databricks.credentials(self.sm, "other")


class JobTest(unittest.TestCase):
    def test_parse_job_id(self):
        self.assertIsNone(databricks.parse_job_id(None))
        self.assertIsNone(databricks.parse_job_id("  "))
        self.assertEqual(databricks.parse_job_id(" 42 "), 42)
        with self.assertRaisesRegex(databricks.DatabricksError, "must be a positive integer"):
            databricks.parse_job_id("job-42")

    def test_run_now_posts_the_job_id_with_the_token(self):
        session = FakeSession(FakeResponse(200, {"run_id": 7, "number_in_job": 1}))
        self.assertEqual(databricks.run_now(session, HOST, "dapi123", 42), 7)
        method, url, kwargs = session.calls[0]
        self.assertEqual((method, url), ("POST", HOST + "/api/2.1/jobs/run-now"))
        self.assertEqual(kwargs["json"], {"job_id": 42})
        self.assertEqual(kwargs["headers"]["Authorization"], "Bearer dapi123")

    def test_run_now_error(self):
        session = FakeSession(FakeResponse(403, text="invalid token"))
        with self.assertRaisesRegex(databricks.DatabricksError, "HTTP 403: invalid token"):
            databricks.run_now(session, HOST, "bad", 42)

    def test_wait_polls_until_success(self):
        session = FakeSession(
            FakeResponse(200, {"state": {"life_cycle_state": "PENDING"}}),
            FakeResponse(200, {"state": {"life_cycle_state": "RUNNING"}}),
            FakeResponse(200, {"state": {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS"}}),
        )
        clock = Clock()
        self.assertEqual(databricks.wait_for_run(session, HOST, "t", 7, poll_seconds=15, sleep=clock.sleep, clock=clock), "SUCCESS")
        self.assertEqual(clock.sleeps, [15, 15])
        self.assertEqual(session.calls[0][2]["params"], {"run_id": 7})

    def test_wait_raises_on_failure_and_timeout(self):
        session = FakeSession(FakeResponse(200, {"state": {"life_cycle_state": "TERMINATED", "result_state": "FAILED", "state_message": "boom"}}))
        with self.assertRaisesRegex(databricks.DatabricksError, "run 7 ended FAILED: boom"):
            databricks.wait_for_run(session, HOST, "t", 7, sleep=lambda s: None)
        session = FakeSession(*[FakeResponse(200, {"state": {"life_cycle_state": "RUNNING"}})] * 3)
        clock = Clock()
        with self.assertRaisesRegex(databricks.DatabricksError, "still RUNNING after 60s"):
            databricks.wait_for_run(session, HOST, "t", 7, poll_seconds=30, timeout_seconds=60, sleep=clock.sleep, clock=clock)
