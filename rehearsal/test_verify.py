"""Unit tests of the per-type checks against moto in-process (no server, no CDK CLI)."""

import json
import unittest

import boto3
from moto import mock_aws

from . import emulator, verify
from .resolve import Resolver
from .run import Finding, Rehearsal

ACCOUNT, REGION = "123456789012", "us-east-1"

BUCKET = {
    "BucketName": "lake-bronze",
    "BucketEncryption": {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]},
                },
                "BucketKeyEnabled": True,
            }
        ]
    },
    "VersioningConfiguration": {"Status": "Enabled"},
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    },
    "LifecycleConfiguration": {
        "Rules": [
            {"Id": "abort", "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
            {
                "Id": "layer",
                "Status": "Enabled",
                "ExpirationInDays": 90,
                "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
                "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}],
            },
        ]
    },
}


@mock_aws
class ChecksTest(unittest.TestCase):
    def setUp(self):
        self.clients = {}
        self.kms = self.client("kms")
        self.key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.kms.enable_key_rotation(KeyId=self.key)
        self.resolver = Resolver({"Key": self.key, "Bucket": "lake-bronze"}, ACCOUNT, REGION, "stack")
        self.ctx = verify.Context(self.client, self.resolver, {"Resources": {}})

    def client(self, service):
        if service not in self.clients:
            self.clients[service] = boto3.client(service, region_name=REGION)
        return self.clients[service]

    def make_bucket(self, versioning="Enabled", ia_days=30):
        s3 = self.client("s3")
        s3.create_bucket(Bucket="lake-bronze")
        s3.put_bucket_encryption(
            Bucket="lake-bronze",
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{self.key}",
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        s3.put_bucket_versioning(Bucket="lake-bronze", VersioningConfiguration={"Status": versioning})
        s3.put_public_access_block(
            Bucket="lake-bronze", PublicAccessBlockConfiguration=BUCKET["PublicAccessBlockConfiguration"]
        )
        rules = json.loads(json.dumps(BUCKET["LifecycleConfiguration"]["Rules"]))
        rules[1]["Transitions"][0]["TransitionInDays"] = ia_days
        s3.put_bucket_lifecycle_configuration(
            Bucket="lake-bronze",
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": r["Id"],
                        "Status": r["Status"],
                        "Filter": {"Prefix": ""},
                        **({"Expiration": {"Days": r["ExpirationInDays"]}} if "ExpirationInDays" in r else {}),
                        **(
                            {
                                "Transitions": [
                                    {"Days": t["TransitionInDays"], "StorageClass": t["StorageClass"]}
                                    for t in r["Transitions"]
                                ]
                            }
                            if "Transitions" in r
                            else {}
                        ),
                        **(
                            {"NoncurrentVersionExpiration": r["NoncurrentVersionExpiration"]}
                            if "NoncurrentVersionExpiration" in r
                            else {}
                        ),
                        **(
                            {"AbortIncompleteMultipartUpload": r["AbortIncompleteMultipartUpload"]}
                            if "AbortIncompleteMultipartUpload" in r
                            else {}
                        ),
                    }
                    for r in rules
                ]
            },
        )

    def test_bucket_as_the_template_says_passes(self):
        self.make_bucket()
        outcome = verify.run(self.ctx, "AWS::S3::Bucket", BUCKET, "lake-bronze")
        self.assertEqual(outcome.problems, [])
        self.assertEqual(outcome.unverified, [])

    def test_bucket_that_differs_from_the_template_fails(self):
        self.make_bucket(versioning="Suspended", ia_days=60)
        outcome = verify.run(self.ctx, "AWS::S3::Bucket", BUCKET, "lake-bronze")
        self.assertEqual(len(outcome.problems), 2, outcome.problems)
        self.assertIn(
            "VersioningConfiguration.Status: template says 'Enabled', deployed 'Suspended'", outcome.problems[0]
        )
        self.assertIn("LifecycleConfiguration[layer].Transitions", outcome.problems[1])

    def test_bucket_setting_that_moto_did_not_apply_is_not_verified_not_passed(self):
        self.client("s3").create_bucket(Bucket="lake-bronze")
        outcome = verify.run(
            self.ctx, "AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}}, "lake-bronze"
        )
        self.assertEqual(outcome.unverified, ["VersioningConfiguration.Status: moto did not report it"])

    def test_missing_resources_raise_not_found(self):
        for cfn_type, physical in (
            ("AWS::S3::Bucket", "nope"),
            ("AWS::KMS::Key", "0000-missing"),
            ("AWS::IAM::Role", "nope"),
            ("AWS::EC2::VPC", "vpc-12345678"),
            ("AWS::Kinesis::Stream", "nope"),
            ("AWS::Glue::Database", "nope"),
        ):
            with self.subTest(cfn_type), self.assertRaises(verify.NotFound):
                verify.run(self.ctx, cfn_type, {}, physical)

    def test_key_rotation(self):
        self.assertEqual(verify.run(self.ctx, "AWS::KMS::Key", {"EnableKeyRotation": True}, self.key).problems, [])
        self.assertEqual(len(verify.run(self.ctx, "AWS::KMS::Key", {"EnableKeyRotation": False}, self.key).problems), 1)

    def test_role_trust_policy(self):
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "dms.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        self.client("iam").create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=json.dumps(trust))
        self.assertEqual(
            verify.run(self.ctx, "AWS::IAM::Role", {"AssumeRolePolicyDocument": trust}, "dms-vpc-role").problems, []
        )
        other = json.loads(json.dumps(trust))
        other["Statement"][0]["Principal"]["Service"] = "ec2.amazonaws.com"
        self.assertEqual(
            len(verify.run(self.ctx, "AWS::IAM::Role", {"AssumeRolePolicyDocument": other}, "dms-vpc-role").problems), 1
        )

    def test_kinesis_stream(self):
        kinesis = self.client("kinesis")
        kinesis.create_stream(StreamName="events", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        kinesis.start_stream_encryption(StreamName="events", EncryptionType="KMS", KeyId=self.key)
        props = {
            "Name": "events",
            "StreamEncryption": {"EncryptionType": "KMS", "KeyId": {"Ref": "Key"}},
            "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
        }
        self.assertEqual(verify.run(self.ctx, "AWS::Kinesis::Stream", props, "events").problems, [])


class ClassificationTest(unittest.TestCase):
    """Every template resource ends up verified, not verified (with a reason) or failed."""

    def classify(self, cfn_type, created=True, skipped_types=()):
        r = Rehearsal.__new__(Rehearsal)
        physical = {"R": "phys"} if created else {}
        stack = type("S", (), {"name": "dev-Stack"})()
        return r.verify_one(None, stack, "R", {"Type": cfn_type}, physical, set(skipped_types))

    def test_types_moto_skips_are_not_verified(self):
        f = self.classify("AWS::MWAA::Environment", created=False, skipped_types={"AWS::MWAA::Environment"})
        self.assertEqual((f.status, f.notes), ("not verified", ["moto skips this type: not created"]))

    def test_a_supported_type_that_was_not_created_fails(self):
        self.assertEqual(self.classify("AWS::S3::Bucket", created=False).status, "failed")

    def test_custom_resources_and_types_without_a_check_are_not_verified(self):
        self.assertEqual(self.classify("Custom::S3AutoDeleteObjects").notes, [verify.CUSTOM_REASON])
        self.assertEqual(self.classify("AWS::EC2::VPCGatewayAttachment").notes, ["created; no check for this type yet"])
        self.assertIsInstance(self.classify("AWS::CDK::Metadata"), Finding)


class MotoLogTest(unittest.TestCase):
    LOG = """127.0.0.1 - - [24/Nov/2026 16:03:58] "POST / HTTP/1.1" 400 -
No Moto CloudFormation support for AWS::S3::BucketPolicy
No Moto CloudFormation support for AWS::MWAA::Environment
Error on request:
Traceback (most recent call last):
  File "moto/kms/models.py", line 689, in tag_resource
    self.tags[arn][tag[self.key_name]] = None
KeyError: 'TagKey'
127.0.0.1 - - [24/Nov/2026 16:04:00] "POST / HTTP/1.1" 200 -
"""

    def test_skipped_types_and_internal_errors_are_read_from_the_log(self):
        self.assertEqual(emulator.unsupported_types(self.LOG), {"AWS::S3::BucketPolicy", "AWS::MWAA::Environment"})
        self.assertEqual(emulator.errors(self.LOG), ["KeyError: 'TagKey'"])


if __name__ == "__main__":
    unittest.main()
