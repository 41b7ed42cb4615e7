"""The emulator's server never outlives a rehearsal, even one interrupted while it starts, and
refuses stack deletions CloudFormation refuses."""

import json
import os
import tempfile
import unittest

import boto3
from botocore.exceptions import ClientError

from rehearsal.emulator import Server


class ServerLifecycleTest(unittest.TestCase):
    def test_stopped_when_it_does_not_listen_in_time(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(os.path.join(tmp, "moto.log"), timeout=0)
            with self.assertRaisesRegex(RuntimeError, "did not listen"):
                server.__enter__()
            self.assertIsNotNone(server.proc.poll(), "the server process must be gone")

    def test_stopped_when_interrupted_while_starting(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(os.path.join(tmp, "moto.log"))
            server._wait_until_listening = lambda: (_ for _ in ()).throw(KeyboardInterrupt())
            with self.assertRaises(KeyboardInterrupt):
                server.__enter__()
            self.assertIsNotNone(server.proc.poll(), "the server process must be gone")

    def test_refuses_to_start_on_a_moto_the_fixes_were_not_written_for(self):
        with tempfile.TemporaryDirectory() as tmp:
            # Python imports sitecustomize from PYTHONPATH at startup: the server sees moto 5.3.0.
            with open(os.path.join(tmp, "sitecustomize.py"), "w") as f:
                f.write("import moto\nmoto.__version__ = '5.3.0'\n")
            server = Server(os.path.join(tmp, "moto.log"), env={"PYTHONPATH": tmp})
            with self.assertRaisesRegex(
                RuntimeError,
                r"moto server exited with 1: .*moto 5\.3\.0 is installed, but rehearsal/fixes patch moto 5\.2\.1",
            ):
                server.__enter__()

    def test_serves_until_exit(self):
        with tempfile.TemporaryDirectory() as tmp:
            with Server(os.path.join(tmp, "moto.log")) as server:
                self.assertIsNone(server.proc.poll())
            self.assertIsNotNone(server.proc.poll())


class StackDeletionTest(unittest.TestCase):
    """CloudFormation refuses to delete a stack whose export another stack imports: the
    account stack while a Cdc stack uses its DMS roles. moto does not; the server's fix does."""

    def test_a_stack_whose_export_is_imported_is_not_deleted(self):
        with tempfile.TemporaryDirectory() as tmp, Server(os.path.join(tmp, "moto.log")) as server:
            cf = boto3.client(
                "cloudformation",
                endpoint_url=server.endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            topic = {"Type": "AWS::SNS::Topic", "Properties": {}}
            cf.create_stack(
                StackName="exporter",
                TemplateBody=json.dumps(
                    {
                        "Resources": {"Topic": topic},
                        "Outputs": {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "shared-arn"}}},
                    }
                ),
            )
            cf.create_stack(
                StackName="importer",
                TemplateBody=json.dumps(
                    {
                        "Resources": {
                            "Topic": dict(topic, Properties={"DisplayName": {"Fn::ImportValue": "shared-arn"}})
                        },
                    }
                ),
            )
            with self.assertRaisesRegex(ClientError, "Export shared-arn cannot be deleted as it is in use by importer"):
                cf.delete_stack(StackName="exporter")
            cf.delete_stack(StackName="importer")
            cf.delete_stack(StackName="exporter")
            self.assertEqual(
                [],
                [s["StackName"] for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"],
            )


if __name__ == "__main__":
    unittest.main()
