"""One focused test per fix of rehearsal/fixes, against moto in-process (mock_aws) with only the
fixes of the module under test applied: each fails when that module's apply() is not called.
Fixes of CloudFormation deploying a type deploy a tiny stack through moto's CloudFormation."""

import json
import unittest

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

from . import fixes
from .fixes import cloudformation, ec2, glue, iam, kinesis, kms, logs, patching, rds, s3
from .test_verify import BUCKET

ACCOUNT, REGION = "123456789012", "us-east-1"
TOPIC = {"Type": "AWS::SNS::Topic", "Properties": {}}


class VersionTest(unittest.TestCase):
    def test_refuses_a_moto_the_fixes_were_not_written_for(self):
        with self.assertRaisesRegex(
            fixes.WrongMotoVersion, r"moto 5\.3\.0 is installed, but rehearsal/fixes patch moto 5\.2\.1"
        ):
            fixes.check_version("5.3.0")
        fixes.check_version()  # the locked moto


class ApplyTest(unittest.TestCase):
    def setUp(self):
        self.addCleanup(patching.restore_all)

    def test_applying_twice_wraps_nothing_twice(self):
        fixes.apply_all()
        once = replaced_now()
        fixes.apply_all()
        self.assertEqual(replaced_now(), once)

    def test_restoring_puts_back_what_moto_defines(self):
        fixes.apply_all()
        patching.restore_all()
        self.assertIs(vars(glue.FakeCrawler)["as_dict"], glue._as_dict)
        self.assertNotIn("delete", vars(ec2.NatGateway))  # moto's NatGateway has no delete of its own


def replaced_now():
    """What each attribute the fixes replaced holds now, by (owner, name)."""
    return {(owner, name): vars(owner)[name] for owner, name in patching._originals}


class FixTest(unittest.TestCase):
    """A test against moto in-process with only the fixes of one module, fix, applied."""

    fix = None

    def setUp(self):
        self.enterContext(mock_aws())
        self.addCleanup(patching.restore_all)
        self.fix.apply()
        self.cf = self.client("cloudformation")

    def client(self, service):
        return boto3.client(service, region_name=REGION)

    def create_stack(self, name, resources, outputs=None, **kwargs):
        """Creates a stack with CreateStack; returns its status."""
        self.cf.create_stack(StackName=name, TemplateBody=template(resources, outputs), **kwargs)
        return self.stack(name)["StackStatus"]

    def deploy(self, name, resources, outputs=None):
        """Creates a stack with a change set, as `cdk deploy` does; returns its status."""
        self.cf.create_change_set(
            StackName=name, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=template(resources, outputs)
        )
        self.cf.execute_change_set(StackName=name, ChangeSetName="c")
        return self.stack(name)["StackStatus"]

    def delete_stack(self, name):
        """Deletes a stack; returns its status, read by its ID as a deleted stack's must be."""
        stack_id = self.stack(name)["StackId"]
        self.cf.delete_stack(StackName=name)
        return self.stack(stack_id)["StackStatus"]

    def stack(self, name):
        return self.cf.describe_stacks(StackName=name)["Stacks"][0]

    def outputs(self, name):
        return {o["OutputKey"]: o["OutputValue"] for o in self.stack(name).get("Outputs", [])}

    def physical(self, stack, logical):
        return self.cf.describe_stack_resource(StackName=stack, LogicalResourceId=logical)["StackResourceDetail"][
            "PhysicalResourceId"
        ]


def template(resources, outputs=None):
    return json.dumps({"Resources": resources, **({"Outputs": outputs} if outputs else {})})


class CloudFormationTest(FixTest):
    fix = cloudformation

    def test_get_stack_output_resolves_a_weak_cross_stack_reference(self):
        vpc = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
        self.create_stack("net", {"Vpc": vpc}, {"VpcOut": {"Value": {"Ref": "Vpc"}}})
        group = {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "db",
                "VpcId": {"Fn::GetStackOutput": {"StackName": "net", "Region": REGION, "OutputName": "VpcOut"}},
            },
        }
        self.assertEqual(self.create_stack("db", {"Sg": group}), "CREATE_COMPLETE")
        groups = self.client("ec2").describe_security_groups(GroupIds=[self.physical("db", "Sg")])
        self.assertEqual(groups["SecurityGroups"][0]["VpcId"], self.outputs("net")["VpcOut"])

    def test_references_to_a_skipped_type_get_an_arn_shaped_stand_in(self):
        resources = {
            "Skipped": {"Type": "AWS::MWAA::Environment", "Properties": {}},
            "ByGetAtt": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Fn::GetAtt": ["Skipped", "Arn"]}}},
            "ByRef": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Skipped"}}},
        }
        self.assertEqual(self.create_stack("s", resources), "CREATE_COMPLETE")
        sns = self.client("sns")
        names = [
            sns.get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"]["DisplayName"]
            for t in sns.list_topics()["Topics"]
        ]
        self.assertEqual(names, 2 * [f"arn:aws:rehearsal:{REGION}:{ACCOUNT}:skipped/Skipped"])

    def test_a_stack_made_by_a_change_set_has_its_outputs(self):
        self.deploy("s", {"Topic": TOPIC}, {"Arn": {"Value": {"Ref": "Topic"}}})
        self.assertEqual(self.outputs("s"), {"Arn": self.physical("s", "Topic")})

    def test_a_stack_made_by_a_change_set_imports_values(self):
        self.create_stack("exporter", {"Topic": TOPIC}, {"Arn": {"Value": "shared", "Export": {"Name": "shared-name"}}})
        importer = dict(TOPIC, Properties={"DisplayName": {"Fn::ImportValue": "shared-name"}})
        self.assertEqual(self.deploy("importer", {"Topic": importer}), "CREATE_COMPLETE")
        attributes = self.client("sns").get_topic_attributes(TopicArn=self.physical("importer", "Topic"))
        self.assertEqual(attributes["Attributes"]["DisplayName"], "shared")

    def test_a_stack_made_by_a_change_set_publishes_its_exports(self):
        self.deploy("s", {"Topic": TOPIC}, {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "topic-arn"}}})
        exports = {e["Name"]: e["Value"] for e in self.cf.list_exports()["Exports"]}
        self.assertEqual(exports, {"topic-arn": self.physical("s", "Topic")})

    def test_termination_protection_is_updated(self):
        self.create_stack("s", {"Topic": TOPIC})
        self.cf.update_termination_protection(StackName="s", EnableTerminationProtection=True)
        self.assertIs(self.stack("s")["EnableTerminationProtection"], True)

    def test_a_protected_stack_is_not_deleted(self):
        self.create_stack("s", {"Topic": TOPIC}, EnableTerminationProtection=True)
        with self.assertRaisesRegex(
            ClientError, r"Stack \[s\] cannot be deleted while TerminationProtection is enabled"
        ):
            self.cf.delete_stack(StackName="s")
        self.assertEqual(self.stack("s")["StackStatus"], "CREATE_COMPLETE")

    def test_a_stack_whose_export_is_imported_is_not_deleted(self):
        self.create_stack("exporter", {"Topic": TOPIC}, {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "arn"}}})
        self.deploy("importer", {"Topic": dict(TOPIC, Properties={"DisplayName": {"Fn::ImportValue": "arn"}})})
        with self.assertRaisesRegex(ClientError, "Export arn cannot be deleted as it is in use by importer"):
            self.cf.delete_stack(StackName="exporter")
        self.assertEqual(self.delete_stack("importer"), "DELETE_COMPLETE")
        self.assertEqual(self.delete_stack("exporter"), "DELETE_COMPLETE")

    def test_describing_a_deleted_stack_does_not_recreate_its_resources(self):
        role = {
            "Type": "AWS::IAM::Role",
            "Properties": {"RoleName": "dms-vpc-role", "AssumeRolePolicyDocument": {"Statement": []}},
        }
        # As the account stack exports its DMS role's ARN: moto evaluates an export anew.
        arn = {"Value": {"Fn::GetAtt": ["Role", "Arn"]}, "Export": {"Name": "role-arn"}}
        self.create_stack("s", {"Role": role}, {"Arn": arn})
        self.assertEqual(self.delete_stack("s"), "DELETE_COMPLETE")
        self.assertEqual(self.client("iam").list_roles()["Roles"], [])


class Ec2Test(FixTest):
    fix = ec2
    VPC = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
    SUBNET = {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}}
    EIP = {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}}
    NAT = {
        "Type": "AWS::EC2::NatGateway",
        "Properties": {"SubnetId": {"Ref": "Subnet"}, "AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}},
    }

    def test_a_vpc_gets_its_dns_attributes(self):
        vpc = {"Type": "AWS::EC2::VPC", "Properties": dict(self.VPC["Properties"], EnableDnsHostnames=True)}
        vpc["Properties"]["EnableDnsSupport"] = False
        self.create_stack("s", {"Vpc": vpc})
        vpc_id, ec2_client = self.physical("s", "Vpc"), self.client("ec2")
        hostnames = ec2_client.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
        support = ec2_client.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
        self.assertEqual(
            (hostnames["EnableDnsHostnames"]["Value"], support["EnableDnsSupport"]["Value"]), (True, False)
        )

    def test_a_nat_gateway_has_its_nat_gateway_id_and_no_other_attribute(self):
        resources = {"Vpc": self.VPC, "Subnet": self.SUBNET, "Eip": self.EIP, "Nat": self.NAT}
        self.create_stack("s", resources, {"Nat": {"Value": {"Fn::GetAtt": ["Nat", "NatGatewayId"]}}})
        self.assertEqual(self.outputs("s"), {"Nat": self.physical("s", "Nat")})
        with self.assertRaisesRegex(ClientError, "NatGateway does not support attribute type Ip in Fn::GetAtt"):
            self.create_stack("other", resources, {"Ip": {"Value": {"Fn::GetAtt": ["Nat", "Ip"]}}})

    def test_a_route_is_deleted_with_its_stack(self):
        ec2_client = self.client("ec2")
        vpc = ec2_client.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        igw = ec2_client.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2_client.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        table = ec2_client.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        route = {
            "Type": "AWS::EC2::Route",
            "Properties": {"RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw},
        }
        self.create_stack("s", {"Route": route})
        self.assertEqual(self.delete_stack("s"), "DELETE_COMPLETE")
        routes = ec2_client.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        self.assertEqual([r["DestinationCidrBlock"] for r in routes], ["10.0.0.0/16"])

    def test_a_stack_with_a_vpc_and_its_gateways_endpoint_and_flow_log_is_deleted(self):
        resources = {
            "Vpc": self.VPC,
            "Subnet": self.SUBNET,
            "Eip": self.EIP,
            "Nat": self.NAT,
            "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            "Igw": {"Type": "AWS::EC2::InternetGateway"},
            "Attachment": {
                "Type": "AWS::EC2::VPCGatewayAttachment",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}},
            },
            "Endpoint": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {
                    "VpcId": {"Ref": "Vpc"},
                    "ServiceName": f"com.amazonaws.{REGION}.s3",
                    "VpcEndpointType": "Gateway",
                    "RouteTableIds": [{"Ref": "Table"}],
                },
            },
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "FlowLog": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {
                    "ResourceId": {"Ref": "Vpc"},
                    "ResourceType": "VPC",
                    "TrafficType": "ALL",
                    "LogDestinationType": "s3",
                    "LogDestination": {"Fn::GetAtt": ["Bucket", "Arn"]},
                },
            },
        }
        self.create_stack("s", resources)
        vpc = self.physical("s", "Vpc")
        self.assertEqual(self.delete_stack("s"), "DELETE_COMPLETE")
        ec2_client = self.client("ec2")
        in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
        self.assertEqual(ec2_client.describe_vpcs(Filters=in_vpc)["Vpcs"], [])
        self.assertEqual(ec2_client.describe_route_tables(Filters=in_vpc)["RouteTables"], [])
        self.assertEqual(ec2_client.describe_internet_gateways()["InternetGateways"], [])
        self.assertEqual(ec2_client.describe_addresses()["Addresses"], [])
        self.assertEqual(ec2_client.describe_flow_logs()["FlowLogs"], [])
        self.assertEqual([n["State"] for n in ec2_client.describe_nat_gateways()["NatGateways"]], ["deleted"])
        self.assertEqual([e["State"] for e in ec2_client.describe_vpc_endpoints()["VpcEndpoints"]], ["deleted"])


class IamTest(FixTest):
    fix = iam
    TRUST = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "dms.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }

    def role(self, **props):
        return {
            "Type": "AWS::IAM::Role",
            "Properties": dict(RoleName="r", AssumeRolePolicyDocument=self.TRUST, **props),
        }

    def managed_policy(self):
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        return self.client("iam").create_policy(PolicyName="p", PolicyDocument=json.dumps(document))["Policy"]["Arn"]

    def test_inline_policies_read_back_as_json_documents(self):
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
        self.create_stack("s", {"Role": self.role(Policies=[{"PolicyName": "read", "PolicyDocument": document}])})
        policy = self.client("iam").get_role_policy(RoleName="r", PolicyName="read")
        self.assertEqual(policy["PolicyDocument"], document)

    def test_managed_policies_are_attached(self):
        arn = self.managed_policy()
        self.create_stack("s", {"Role": self.role(ManagedPolicyArns=[arn])})
        attached = self.client("iam").list_attached_role_policies(RoleName="r")["AttachedPolicies"]
        self.assertEqual([p["PolicyArn"] for p in attached], [arn])

    def test_a_role_with_managed_policies_is_deleted_with_its_stack(self):
        self.create_stack("s", {"Role": self.role(ManagedPolicyArns=[self.managed_policy()])})
        self.assertEqual(len(self.client("iam").list_attached_role_policies(RoleName="r")["AttachedPolicies"]), 1)
        self.assertEqual(self.delete_stack("s"), "DELETE_COMPLETE")
        self.assertEqual(self.client("iam").list_roles()["Roles"], [])


class KinesisTest(FixTest):
    fix = kinesis

    def test_a_stream_gets_its_encryption_and_mode(self):
        key = self.client("kms").create_key()["KeyMetadata"]["KeyId"]
        stream = {
            "Type": "AWS::Kinesis::Stream",
            "Properties": {
                "Name": "events",
                "StreamEncryption": {"EncryptionType": "KMS", "KeyId": key},
                "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
            },
        }
        self.create_stack("s", {"Stream": stream})
        summary = self.client("kinesis").describe_stream_summary(StreamName="events")["StreamDescriptionSummary"]
        self.assertEqual(
            (summary["EncryptionType"], summary["KeyId"], summary["StreamModeDetails"]),
            ("KMS", key, {"StreamMode": "ON_DEMAND"}),
        )


class KmsTest(FixTest):
    fix = kms

    def test_a_tagged_key_is_created_with_its_tags(self):
        tags = [{"Key": "team", "Value": "data"}]
        self.create_stack("s", {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": "{}", "Tags": tags}}})
        tags = self.client("kms").list_resource_tags(KeyId=self.physical("s", "Key"))["Tags"]
        self.assertEqual(tags, [{"TagKey": "team", "TagValue": "data"}])

    def test_a_key_policy_reads_back_as_a_json_document(self):
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*"}],
        }
        self.create_stack("s", {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": policy}}})
        kms_client, key = self.client("kms"), self.physical("s", "Key")
        self.assertEqual(kms_client.describe_key(KeyId=key)["KeyMetadata"]["KeyId"], key)
        self.assertEqual(json.loads(kms_client.get_key_policy(KeyId=key, PolicyName="default")["Policy"]), policy)


class LogsTest(FixTest):
    fix = logs

    def test_a_templates_lambda_log_group_replaces_the_one_moto_made(self):
        # What moto's "invocation" of a custom resource's Lambda leaves behind.
        self.client("logs").create_log_group(logGroupName="/aws/lambda/fn")
        group = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/fn", "RetentionInDays": 7}}
        self.assertEqual(self.create_stack("s", {"Group": group}), "CREATE_COMPLETE")
        groups = self.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/fn")["logGroups"]
        self.assertEqual([(g["logGroupName"], g.get("retentionInDays")) for g in groups], [("/aws/lambda/fn", 7)])


class RdsTest(FixTest):
    fix = rds

    def test_a_ref_to_a_parameter_group_is_its_name(self):
        resources = {
            "Params": {
                "Type": "AWS::RDS::DBParameterGroup",
                "Properties": {
                    "Family": "postgres16",
                    "Description": "cdc",
                    "Parameters": {"rds.logical_replication": "1"},
                },
            },
            "Db": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "DBInstanceIdentifier": "db",
                    "DBInstanceClass": "db.t3.micro",
                    "Engine": "postgres",
                    "AllocatedStorage": "20",
                    "MasterUsername": "admin",
                    "MasterUserPassword": "password123",
                    "DBParameterGroupName": {"Ref": "Params"},
                },
            },
        }
        self.assertEqual(self.create_stack("s", resources), "CREATE_COMPLETE")
        instance = self.client("rds").describe_db_instances(DBInstanceIdentifier="db")["DBInstances"][0]
        self.assertEqual(
            [g["DBParameterGroupName"] for g in instance["DBParameterGroups"]], [self.physical("s", "Params")]
        )


class S3Test(FixTest):
    fix = s3
    # The lifecycle rules of test_verify's bucket, as CloudFormation templates write them (a
    # copy: the fixes may rewrite what they are given).
    RULES = json.loads(json.dumps(BUCKET["LifecycleConfiguration"]["Rules"]))

    def test_a_bucket_gets_its_bucket_key_versioning_public_access_block_lifecycle_and_ownership(self):
        block = {
            name: True for name in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        }
        bucket = {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": "lake",
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}
                    ]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": block,
                "LifecycleConfiguration": {"Rules": self.RULES},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
        }
        self.create_stack("s", {"Bucket": bucket})
        s3_client = self.client("s3")
        encryption = s3_client.get_bucket_encryption(Bucket="lake")["ServerSideEncryptionConfiguration"]
        self.assertIs(encryption["Rules"][0]["BucketKeyEnabled"], True)
        self.assertEqual(s3_client.get_bucket_versioning(Bucket="lake")["Status"], "Enabled")
        self.assertEqual(s3_client.get_public_access_block(Bucket="lake")["PublicAccessBlockConfiguration"], block)
        rules = s3_client.get_bucket_lifecycle_configuration(Bucket="lake")["Rules"]
        self.assertEqual([(r["ID"], r["Status"]) for r in rules], [("abort", "Enabled"), ("layer", "Enabled")])
        self.assertEqual(rules[1]["Transitions"], [{"Days": 30, "StorageClass": "STANDARD_IA"}])
        ownership = s3_client.get_bucket_ownership_controls(Bucket="lake")["OwnershipControls"]
        self.assertEqual(ownership["Rules"], [{"ObjectOwnership": "BucketOwnerEnforced"}])

    def test_lifecycle_rules_become_the_api_shape(self):
        self.assertEqual(
            s3.lifecycle_rules(self.RULES),
            [
                {
                    "ID": "abort",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": "7"},
                },
                {
                    "ID": "layer",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": "90"},
                    "Transition": [{"Days": "30", "StorageClass": "STANDARD_IA"}],
                    "NoncurrentVersionExpiration": {"NoncurrentDays": "7"},
                },
            ],
        )


class GlueCrawlTest(FixTest):
    fix = glue

    def setUp(self):
        super().setUp()
        self.glue = self.client("glue")
        self.glue.create_crawler(
            Name="c", Role=f"arn:aws:iam::{ACCOUNT}:role/r", Targets={"S3Targets": [{"Path": "s3://b/p/"}]}
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


if __name__ == "__main__":
    unittest.main()
