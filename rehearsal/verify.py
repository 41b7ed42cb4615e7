"""Checks, through the AWS APIs, that each resource of a deployed template exists with the
properties the template gives it.

There is one check per CloudFormation resource type, so a stack that lands later is covered as
soon as its types have a check; a type without one is reported as not verified, never passed.
Each check reads the expected values from the template itself (resolved against the deployed
stack), so it follows the stacks as they change.
"""

import json
from urllib.parse import unquote

from botocore.exceptions import ClientError

from .resolve import Unresolved, same


class NotFound(Exception):
    """The resource does not exist (or, for KMS keys and secrets, is scheduled for deletion)."""


class Outcome:
    """What the check of one resource found."""

    def __init__(self):
        self.problems = []  # property mismatches: the deployment is not what the template says
        self.unverified = []  # properties that could not be compared, with the reason

    def expect(self, what, want, got):
        """Compares one property; want None means the template does not set it."""
        if want is None:
            return
        if got is None or got == "" or got == [] or got == {}:
            self.unverified.append(f"{what}: moto did not report it")
            return
        verdict = same(want, got)
        if verdict is None:
            why = want.why if isinstance(want, Unresolved) else "part of the value is not resolvable"
            self.unverified.append(f"{what}: {why}")
        elif not verdict:
            self.problems.append(f"{what}: template says {want!r}, deployed {got!r}")


CHECKS = {}

# Custom resources: moto answers CREATE_COMPLETE without invoking the provider Lambda.
CUSTOM_REASON = "custom resource: moto reports success without running its provider"
# Types that are not resources at all.
IGNORED = {"AWS::CDK::Metadata"}


def check(*types):
    def register(fn):
        for t in types:
            CHECKS[t] = fn
        return fn

    return register


class Context:
    """What a check needs: API clients and the stack's resolver and template."""

    def __init__(self, client, resolver, template):
        self.client = client  # service name -> boto3 client
        self.resolver = resolver
        self.template = template

    def resolve(self, value):
        return self.resolver.resolve(value)

    def call(self, fn, *missing, **kwargs):
        """Calls an API; an error code in missing means "not configured" and returns None."""
        try:
            return fn(**kwargs)
        except ClientError as e:
            if e.response["Error"]["Code"] in missing:
                return None
            raise


def run(ctx, cfn_type, props, physical):
    """Runs the check of one resource; raises NotFound when it does not exist."""
    outcome = Outcome()
    CHECKS[cfn_type](ctx, outcome, props or {}, physical)
    return outcome


def _missing(fn, *codes, **kwargs):
    """Calls an API whose error codes in codes mean the resource is gone."""
    try:
        return fn(**kwargs)
    except ClientError as e:
        if e.response["Error"]["Code"] in codes:
            raise NotFound(e.response["Error"]["Code"]) from e
        raise


def _dig(d, *keys):
    for k in keys:
        if d is None:
            return None
        d = (
            d[k]
            if isinstance(d, list) and isinstance(k, int) and k < len(d)
            else (d.get(k) if isinstance(d, dict) else None)
        )
    return d


def _expect_all(ctx, o, props, got, pairs, prefix=""):
    """expect() for (template property, API field) pairs of one resource."""
    for prop, field in pairs:
        o.expect(prefix + prop, ctx.resolve(props.get(prop)), got.get(field))


# ---- S3 ---------------------------------------------------------------------------------


@check("AWS::S3::Bucket")
def s3_bucket(ctx, o, props, name):
    s3 = ctx.client("s3")
    _missing(s3.head_bucket, "404", "NoSuchBucket", "NotFound", Bucket=name)
    o.expect("BucketName", ctx.resolve(props.get("BucketName")), name)

    sse = ctx.resolve(_dig(props, "BucketEncryption", "ServerSideEncryptionConfiguration", 0))
    if sse:
        got = (
            _dig(
                ctx.call(s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError", Bucket=name),
                "ServerSideEncryptionConfiguration",
                "Rules",
                0,
            )
            or {}
        )
        default = sse.get("ServerSideEncryptionByDefault", {})
        o.expect(
            "BucketEncryption.SSEAlgorithm",
            default.get("SSEAlgorithm"),
            _dig(got, "ApplyServerSideEncryptionByDefault", "SSEAlgorithm"),
        )
        o.expect(
            "BucketEncryption.KMSMasterKeyID",
            default.get("KMSMasterKeyID"),
            _dig(got, "ApplyServerSideEncryptionByDefault", "KMSMasterKeyID"),
        )
        o.expect("BucketEncryption.BucketKeyEnabled", sse.get("BucketKeyEnabled"), got.get("BucketKeyEnabled"))

    if "VersioningConfiguration" in props:
        o.expect(
            "VersioningConfiguration.Status",
            props["VersioningConfiguration"].get("Status"),
            s3.get_bucket_versioning(Bucket=name).get("Status"),
        )

    if "PublicAccessBlockConfiguration" in props:
        got = (
            _dig(
                ctx.call(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", Bucket=name),
                "PublicAccessBlockConfiguration",
            )
            or {}
        )
        for flag, want in props["PublicAccessBlockConfiguration"].items():
            o.expect("PublicAccessBlockConfiguration." + flag, want, got.get(flag))

    rules = _dig(props, "LifecycleConfiguration", "Rules")
    if rules:
        _lifecycle(ctx, o, rules, name)

    logging = props.get("LoggingConfiguration")
    if logging:
        got = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled") or {}
        o.expect(
            "LoggingConfiguration.DestinationBucketName",
            ctx.resolve(logging.get("DestinationBucketName")),
            got.get("TargetBucket"),
        )
        o.expect("LoggingConfiguration.LogFilePrefix", logging.get("LogFilePrefix"), got.get("TargetPrefix"))

    ownership = _dig(props, "OwnershipControls", "Rules", 0, "ObjectOwnership")
    if ownership:
        got = ctx.call(s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", Bucket=name)
        o.expect(
            "OwnershipControls.ObjectOwnership",
            ownership,
            _dig(got, "OwnershipControls", "Rules", 0, "ObjectOwnership"),
        )


def _lifecycle(ctx, o, rules, name):
    got = ctx.call(ctx.client("s3").get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", Bucket=name)
    deployed = {r.get("ID"): r for r in (got or {}).get("Rules", [])}
    if not deployed:
        o.expect("LifecycleConfiguration", rules, None)
        return
    o.expect(
        "LifecycleConfiguration rule IDs", sorted(str(r.get("Id")) for r in rules), sorted(str(k) for k in deployed)
    )
    for rule in rules:
        g = deployed.get(rule.get("Id"), {})
        what = f"LifecycleConfiguration[{rule.get('Id')}]."
        o.expect(what + "Status", rule.get("Status"), g.get("Status"))
        o.expect(what + "ExpirationInDays", rule.get("ExpirationInDays"), _dig(g, "Expiration", "Days"))
        o.expect(
            what + "Transitions",
            [[t["TransitionInDays"], t["StorageClass"]] for t in rule.get("Transitions", [])] or None,
            [[t.get("Days"), t.get("StorageClass")] for t in g.get("Transitions", [])],
        )
        o.expect(
            what + "NoncurrentVersionExpiration",
            _dig(rule, "NoncurrentVersionExpiration", "NoncurrentDays"),
            _dig(g, "NoncurrentVersionExpiration", "NoncurrentDays"),
        )
        o.expect(
            what + "AbortIncompleteMultipartUpload",
            _dig(rule, "AbortIncompleteMultipartUpload", "DaysAfterInitiation"),
            _dig(g, "AbortIncompleteMultipartUpload", "DaysAfterInitiation"),
        )


# ---- KMS --------------------------------------------------------------------------------


@check("AWS::KMS::Key")
def kms_key(ctx, o, props, key_id):
    kms = ctx.client("kms")
    meta = _missing(kms.describe_key, "NotFoundException", KeyId=key_id)["KeyMetadata"]
    if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
        raise NotFound("PendingDeletion")
    o.expect("Enabled", props.get("Enabled", True), meta.get("Enabled"))
    o.expect("Description", props.get("Description"), meta.get("Description"))
    o.expect(
        "EnableKeyRotation",
        props.get("EnableKeyRotation", False),
        kms.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled"),
    )


@check("AWS::KMS::Alias")
def kms_alias(ctx, o, props, alias):
    aliases = {a["AliasName"]: a for a in ctx.client("kms").list_aliases()["Aliases"]}
    if alias not in aliases:
        raise NotFound(alias)
    o.expect("AliasName", props.get("AliasName"), alias)
    o.expect("TargetKeyId", ctx.resolve(props.get("TargetKeyId")), aliases[alias].get("TargetKeyId"))


# ---- IAM --------------------------------------------------------------------------------


@check("AWS::IAM::Role")
def iam_role(ctx, o, props, name):
    iam = ctx.client("iam")
    role = _missing(iam.get_role, "NoSuchEntity", RoleName=name)["Role"]
    _expect_all(
        ctx,
        o,
        props,
        role,
        [
            ("RoleName", "RoleName"),
            ("Description", "Description"),
            ("AssumeRolePolicyDocument", "AssumeRolePolicyDocument"),
            ("Path", "Path"),
        ],
    )
    managed = ctx.resolve(props.get("ManagedPolicyArns"))
    if managed:
        got = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        o.expect(
            "ManagedPolicyArns",
            sorted(managed, key=str) if all(isinstance(m, str) for m in managed) else managed,
            sorted(got) if all(isinstance(m, str) for m in managed) else got,
        )
    for policy in props.get("Policies") or []:
        got = ctx.call(iam.get_role_policy, "NoSuchEntity", RoleName=name, PolicyName=policy["PolicyName"])
        o.expect(
            f"Policies[{policy['PolicyName']}]",
            ctx.resolve(policy["PolicyDocument"]),
            _policy_doc((got or {}).get("PolicyDocument")),
        )


@check("AWS::IAM::Policy")
def iam_policy(ctx, o, props, _physical):
    iam = ctx.client("iam")
    found = False
    for role in props.get("Roles") or []:
        # Roles are Refs to roles of the same stack or imported names.
        role_name = (
            ctx.resolver.physical.get(role["Ref"]) if isinstance(role, dict) and "Ref" in role else ctx.resolve(role)
        )
        if not isinstance(role_name, str):
            o.unverified.append(f"Roles: {role!r} not resolvable")
            continue
        got = ctx.call(iam.get_role_policy, "NoSuchEntity", RoleName=role_name, PolicyName=props["PolicyName"])
        if got:
            found = True
            o.expect(
                f"PolicyDocument (on {role_name})",
                ctx.resolve(props.get("PolicyDocument")),
                _policy_doc(got.get("PolicyDocument")),
            )
    if not found and not o.unverified:
        raise NotFound(props.get("PolicyName"))


def _policy_doc(doc):
    """A policy document as a dict (boto3 decodes most, not all, of them)."""
    if not isinstance(doc, str):
        return doc
    try:
        return json.loads(unquote(doc))
    except ValueError:
        return doc


# ---- CloudWatch Logs, Lambda, SNS, CloudWatch ------------------------------------------


@check("AWS::Logs::LogGroup")
def log_group(ctx, o, props, name):
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    group = next((g for g in groups if g["logGroupName"] == name), None)
    if group is None:
        raise NotFound(name)
    _expect_all(
        ctx,
        o,
        props,
        group,
        [("LogGroupName", "logGroupName"), ("RetentionInDays", "retentionInDays"), ("KmsKeyId", "kmsKeyId")],
    )


@check("AWS::Lambda::Function")
def lambda_function(ctx, o, props, name):
    conf = _missing(ctx.client("lambda").get_function, "ResourceNotFoundException", FunctionName=name)["Configuration"]
    _expect_all(
        ctx,
        o,
        props,
        conf,
        [("Runtime", "Runtime"), ("Handler", "Handler"), ("Timeout", "Timeout"), ("MemorySize", "MemorySize")],
    )


@check("AWS::SNS::Topic")
def sns_topic(ctx, o, props, arn):
    attrs = _missing(ctx.client("sns").get_topic_attributes, "NotFound", "NotFoundException", TopicArn=arn)[
        "Attributes"
    ]
    _expect_all(ctx, o, props, attrs, [("KmsMasterKeyId", "KmsMasterKeyId"), ("DisplayName", "DisplayName")])


@check("AWS::CloudWatch::Alarm")
def alarm(ctx, o, props, name):
    alarms = ctx.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not alarms:
        raise NotFound(name)
    _expect_all(
        ctx,
        o,
        props,
        alarms[0],
        [
            (k, k)
            for k in (
                "MetricName",
                "Namespace",
                "Threshold",
                "ComparisonOperator",
                "EvaluationPeriods",
                "AlarmActions",
                "TreatMissingData",
            )
        ],
    )


@check("AWS::CloudWatch::Dashboard")
def dashboard(ctx, o, props, name):
    _missing(ctx.client("cloudwatch").get_dashboard, "ResourceNotFound", DashboardName=name)


# ---- EC2 networking ---------------------------------------------------------------------


def _ec2_one(ctx, method, key, ids_param, physical, code):
    items = _missing(getattr(ctx.client("ec2"), method), code, **{ids_param: [physical]})[key]
    if not items:
        raise NotFound(physical)
    return items[0]


@check("AWS::EC2::VPC")
def vpc(ctx, o, props, vpc_id):
    ec2 = ctx.client("ec2")
    got = _ec2_one(ctx, "describe_vpcs", "Vpcs", "VpcIds", vpc_id, "InvalidVpcID.NotFound")
    o.expect("CidrBlock", props.get("CidrBlock"), got.get("CidrBlock"))
    for attr in ("EnableDnsHostnames", "EnableDnsSupport"):
        if attr in props:
            api = attr[0].lower() + attr[1:]
            value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=api)[attr]["Value"]
            o.expect(attr, props[attr], value)
    # The VPC's subnets as a whole: as many as the template declares, in the same zones.
    subnets = [
        r["Properties"]
        for r in ctx.template.get("Resources", {}).values()
        if r.get("Type") == "AWS::EC2::Subnet" and same(ctx.resolve(r["Properties"].get("VpcId")), vpc_id)
    ]
    deployed = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    o.expect("subnets (count)", len(subnets), len(deployed))
    o.expect(
        "subnets (availability zones)",
        sorted({s.get("AvailabilityZone") for s in subnets}),
        sorted({s["AvailabilityZone"] for s in deployed}),
    )


@check("AWS::EC2::Subnet")
def subnet(ctx, o, props, subnet_id):
    got = _ec2_one(ctx, "describe_subnets", "Subnets", "SubnetIds", subnet_id, "InvalidSubnetID.NotFound")
    _expect_all(
        ctx,
        o,
        props,
        got,
        [
            ("CidrBlock", "CidrBlock"),
            ("AvailabilityZone", "AvailabilityZone"),
            ("VpcId", "VpcId"),
            ("MapPublicIpOnLaunch", "MapPublicIpOnLaunch"),
        ],
    )


@check("AWS::EC2::RouteTable")
def route_table(ctx, o, props, rtb):
    got = _ec2_one(ctx, "describe_route_tables", "RouteTables", "RouteTableIds", rtb, "InvalidRouteTableID.NotFound")
    _expect_all(ctx, o, props, got, [("VpcId", "VpcId")])


@check("AWS::EC2::Route")
def route(ctx, o, props, physical):
    rtb = physical.split("~")[0]
    table = _ec2_one(ctx, "describe_route_tables", "RouteTables", "RouteTableIds", rtb, "InvalidRouteTableID.NotFound")
    dest = props.get("DestinationCidrBlock")
    got = next((r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == dest), None)
    if got is None:
        raise NotFound(physical)
    _expect_all(ctx, o, props, got, [("NatGatewayId", "NatGatewayId"), ("GatewayId", "GatewayId")])


@check("AWS::EC2::InternetGateway")
def internet_gateway(ctx, o, props, igw):
    _ec2_one(
        ctx,
        "describe_internet_gateways",
        "InternetGateways",
        "InternetGatewayIds",
        igw,
        "InvalidInternetGatewayID.NotFound",
    )


@check("AWS::EC2::NatGateway")
def nat_gateway(ctx, o, props, nat):
    got = _ec2_one(ctx, "describe_nat_gateways", "NatGateways", "NatGatewayIds", nat, "NatGatewayNotFound")
    if got.get("State") in ("deleted", "deleting"):
        raise NotFound(nat)
    _expect_all(ctx, o, props, got, [("SubnetId", "SubnetId")])


@check("AWS::EC2::EIP")
def eip(ctx, o, props, ip):
    _ec2_one(ctx, "describe_addresses", "Addresses", "PublicIps", ip, "InvalidAddress.NotFound")


@check("AWS::EC2::VPCEndpoint")
def vpc_endpoint(ctx, o, props, vpce):
    got = _ec2_one(
        ctx, "describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointIds", vpce, "InvalidVpcEndpointId.NotFound"
    )
    if got.get("State", "").lower() in ("deleted", "deleting"):
        raise NotFound(vpce)
    _expect_all(
        ctx,
        o,
        props,
        got,
        [
            ("ServiceName", "ServiceName"),
            ("VpcEndpointType", "VpcEndpointType"),
            ("VpcId", "VpcId"),
            ("PrivateDnsEnabled", "PrivateDnsEnabled"),
        ],
    )
    want = ctx.resolve(props.get("RouteTableIds"))
    if want:
        o.expect("RouteTableIds (count)", len(want), len(got.get("RouteTableIds", [])))
    want = ctx.resolve(props.get("SubnetIds"))
    if want:
        o.expect("SubnetIds (count)", len(want), len(got.get("SubnetIds", [])))


@check("AWS::EC2::FlowLog")
def flow_log(ctx, o, props, fl):
    logs = ctx.client("ec2").describe_flow_logs(FlowLogIds=[fl])["FlowLogs"]
    if not logs:
        raise NotFound(fl)
    _expect_all(
        ctx,
        o,
        props,
        logs[0],
        [
            ("ResourceId", "ResourceId"),
            ("TrafficType", "TrafficType"),
            ("LogDestinationType", "LogDestinationType"),
            ("LogGroupName", "LogGroupName"),
            ("DeliverLogsPermissionArn", "DeliverLogsPermissionArn"),
        ],
    )


@check("AWS::EC2::SecurityGroup")
def security_group(ctx, o, props, sg):
    got = _ec2_one(ctx, "describe_security_groups", "SecurityGroups", "GroupIds", sg, "InvalidGroup.NotFound")
    _expect_all(ctx, o, props, got, [("GroupDescription", "Description"), ("VpcId", "VpcId")])


# ---- Stores of later stacks: streams, databases, secrets, catalog ----------------------


@check("AWS::Kinesis::Stream")
def kinesis_stream(ctx, o, props, name):
    got = _missing(ctx.client("kinesis").describe_stream_summary, "ResourceNotFoundException", StreamName=name)[
        "StreamDescriptionSummary"
    ]
    if got.get("StreamStatus") == "DELETING":
        raise NotFound(name)
    _expect_all(
        ctx,
        o,
        props,
        got,
        [("Name", "StreamName"), ("ShardCount", "OpenShardCount"), ("RetentionPeriodHours", "RetentionPeriodHours")],
    )
    o.expect(
        "StreamEncryption.EncryptionType", _dig(props, "StreamEncryption", "EncryptionType"), got.get("EncryptionType")
    )
    o.expect("StreamEncryption.KeyId", ctx.resolve(_dig(props, "StreamEncryption", "KeyId")), got.get("KeyId"))
    o.expect(
        "StreamModeDetails.StreamMode",
        _dig(props, "StreamModeDetails", "StreamMode"),
        _dig(got, "StreamModeDetails", "StreamMode"),
    )


@check("AWS::KinesisFirehose::DeliveryStream")
def delivery_stream(ctx, o, props, name):
    got = _missing(
        ctx.client("firehose").describe_delivery_stream, "ResourceNotFoundException", DeliveryStreamName=name
    )["DeliveryStreamDescription"]
    o.expect("DeliveryStreamType", props.get("DeliveryStreamType"), got.get("DeliveryStreamType"))
    want = props.get("ExtendedS3DestinationConfiguration")
    if want:
        dest = _dig(got, "Destinations", 0, "ExtendedS3DestinationDescription") or {}
        _expect_all(
            ctx,
            o,
            want,
            dest,
            [
                ("BucketARN", "BucketARN"),
                ("Prefix", "Prefix"),
                ("ErrorOutputPrefix", "ErrorOutputPrefix"),
                ("CompressionFormat", "CompressionFormat"),
            ],
            "ExtendedS3DestinationConfiguration.",
        )


@check("AWS::RDS::DBInstance")
def db_instance(ctx, o, props, ident):
    got = _missing(
        ctx.client("rds").describe_db_instances,
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        DBInstanceIdentifier=ident,
    )["DBInstances"][0]
    if props.get("DeletionProtection"):
        # moto 5.2's CloudFormation ignores it (and with it on, AWS would refuse the destroy).
        o.unverified.append("DeletionProtection: moto ignores it")
    _expect_all(
        ctx,
        o,
        props,
        got,
        [
            (k, k)
            for k in (
                "Engine",
                "DBInstanceClass",
                "StorageEncrypted",
                "MultiAZ",
                "BackupRetentionPeriod",
                "PubliclyAccessible",
                "AllocatedStorage",
                "StorageType",
                "KmsKeyId",
            )
        ],
    )
    want = props.get("EngineVersion")
    if want:
        o.expect("EngineVersion (prefix)", True, str(got.get("EngineVersion", "")).startswith(str(want)))


@check("AWS::RDS::DBSubnetGroup")
def db_subnet_group(ctx, o, props, name):
    got = _missing(ctx.client("rds").describe_db_subnet_groups, "DBSubnetGroupNotFoundFault", DBSubnetGroupName=name)[
        "DBSubnetGroups"
    ][0]
    want = ctx.resolve(props.get("SubnetIds")) or []
    o.expect("SubnetIds (count)", len(want), len(got.get("Subnets", [])))


@check("AWS::RDS::DBParameterGroup")
def db_parameter_group(ctx, o, props, name):
    rds = ctx.client("rds")
    got = _missing(rds.describe_db_parameter_groups, "DBParameterGroupNotFound", DBParameterGroupName=name)[
        "DBParameterGroups"
    ][0]
    o.expect("Family", props.get("Family"), got.get("DBParameterGroupFamily"))
    deployed = {
        p["ParameterName"]: p.get("ParameterValue")
        for p in rds.describe_db_parameters(DBParameterGroupName=name)["Parameters"]
    }
    for key, value in (props.get("Parameters") or {}).items():
        o.expect(f"Parameters.{key}", value, deployed.get(key))


@check("AWS::SecretsManager::Secret")
def secret(ctx, o, props, arn):
    got = _missing(ctx.client("secretsmanager").describe_secret, "ResourceNotFoundException", SecretId=arn)
    if got.get("DeletedDate"):
        raise NotFound(arn)
    _expect_all(ctx, o, props, got, [("Name", "Name"), ("Description", "Description"), ("KmsKeyId", "KmsKeyId")])


@check("AWS::Glue::Database")
def glue_database(ctx, o, props, name):
    got = _missing(ctx.client("glue").get_database, "EntityNotFoundException", Name=name)["Database"]
    o.expect("DatabaseInput.Name", _dig(props, "DatabaseInput", "Name"), got.get("Name"))


@check("AWS::Glue::Crawler")
def glue_crawler(ctx, o, props, name):
    got = _missing(ctx.client("glue").get_crawler, "EntityNotFoundException", Name=name)["Crawler"]
    _expect_all(
        ctx,
        o,
        props,
        got,
        [
            ("Name", "Name"),
            ("Role", "Role"),
            ("DatabaseName", "DatabaseName"),
            ("CrawlerSecurityConfiguration", "CrawlerSecurityConfiguration"),
        ],
    )
    want = [t.get("Path") for t in _dig(props, "Targets", "S3Targets") or []]
    if want:
        o.expect(
            "Targets.S3Targets paths",
            [ctx.resolve(p) for p in want],
            [t.get("Path") for t in _dig(got, "Targets", "S3Targets") or []],
        )


@check("AWS::Glue::SecurityConfiguration")
def glue_security_configuration(ctx, o, props, name):
    _missing(ctx.client("glue").get_security_configuration, "EntityNotFoundException", Name=name)


@check("AWS::SSM::Parameter")
def ssm_parameter(ctx, o, props, name):
    got = _missing(ctx.client("ssm").get_parameter, "ParameterNotFound", Name=name)["Parameter"]
    _expect_all(ctx, o, props, got, [("Type", "Type"), ("Value", "Value")])
