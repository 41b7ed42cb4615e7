"""Start moto's server with fixes for the gaps in moto's CloudFormation that would otherwise
break or hollow out a CDK deployment of this platform.

Run as `python3 -m rehearsal.motoserver -H 127.0.0.1 -p PORT`; the arguments are moto.server's.
Each fix passes what the template says to moto's own S3, KMS, IAM or EC2 API code, as
CloudFormation does with AWS's APIs, so the templates under test are deployed unchanged and the
rehearsal's checks read the values back through the public APIs. Every fix names the moto gap
it fills; when a newer moto fills it, the fix can go.
"""

import json
import os

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.vpcs import VPC, VPCEndPoint
from moto.iam import models as iam_models
from moto.kinesis import models as kinesis_models
from moto.kms import models as kms_models
from moto.logs import models as logs_models
from moto.rds import models as rds_models
from moto.s3 import models as s3_models
from moto.server import main
from moto.utilities.utils import get_partition

from rehearsal import fixes


def _wrap_create(model, fix):
    """Replaces model.create_from_cloudformation_json by one that calls fix around it."""
    create = model.create_from_cloudformation_json.__func__

    def wrapped(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return fix(
            lambda: create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs),
            cloudformation_json.setdefault("Properties", {}),
            account_id,
            region_name,
        )

    model.create_from_cloudformation_json = classmethod(wrapped)


def _kms_key(create, props, *_):
    # moto 5.2 hands the template's Tags ({Key, Value}) to KMS's tagging code, which wants
    # {TagKey, TagValue}: every tagged AWS::KMS::Key fails with KeyError 'TagKey'.
    if props.get("Tags"):
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"] if "Key" in t]
    # It also stores KeyPolicy as the template's object, where its API code expects a JSON
    # string: every later DescribeKey then fails with a TypeError (HTTP 500).
    if isinstance(props.get("KeyPolicy"), dict):
        props["KeyPolicy"] = json.dumps(props["KeyPolicy"])
    return create()


def _vpc(create, props, *_):
    # moto 5.2 ignores EnableDnsHostnames and EnableDnsSupport of an AWS::EC2::VPC.
    vpc = create()
    for prop, attr in (("EnableDnsHostnames", "enable_dns_hostnames"), ("EnableDnsSupport", "enable_dns_support")):
        if prop in props:
            setattr(vpc, attr, str(props[prop]).lower() == "true")
    return vpc


def _iam_role(create, props, account_id, region_name):
    # moto 5.2 stores a role's inline Policies as the template's object, and its API answers
    # with that object's Python repr instead of a JSON document.
    for policy in props.get("Policies") or []:
        if not isinstance(policy.get("PolicyDocument"), str):
            policy["PolicyDocument"] = json.dumps(policy["PolicyDocument"])
    role = create()
    # It also ignores ManagedPolicyArns. Attaching them fails, as in AWS, for a policy that
    # does not exist (such as a misspelt AWS managed policy).
    backend = iam_models.iam_backends[account_id][get_partition(region_name)]
    for arn in props.get("ManagedPolicyArns") or []:
        backend.attach_role_policy(arn, role.name)
    return role


def _kinesis_stream(create, props, account_id, region_name):
    # moto 5.2 ignores a stream's StreamEncryption and StreamModeDetails.
    stream = create()
    if props.get("StreamModeDetails"):
        stream.stream_mode = dict(props["StreamModeDetails"])
    sse = props.get("StreamEncryption")
    if sse:
        kinesis_models.kinesis_backends[account_id][region_name].start_stream_encryption(
            stream_arn=None,
            stream_name=stream.stream_name,
            encryption_type=sse["EncryptionType"],
            key_id=sse.get("KeyId"),
        )
    return stream


def lifecycle_rules(cfn_rules):
    """Turns CloudFormation LifecycleConfiguration.Rules into the shape moto's S3 API parses
    from a PutBucketLifecycleConfiguration request (which validates them)."""
    rules = []
    for r in cfn_rules:
        rule = {"ID": r.get("Id"), "Status": r.get("Status", "Enabled"), "Filter": {"Prefix": r.get("Prefix", "")}}
        if "ExpirationInDays" in r:
            rule["Expiration"] = {"Days": str(r["ExpirationInDays"])}
        if r.get("Transitions"):
            rule["Transition"] = [
                {"Days": str(t["TransitionInDays"]), "StorageClass": t["StorageClass"]} for t in r["Transitions"]
            ]
        if "NoncurrentVersionExpiration" in r:
            rule["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": str(r["NoncurrentVersionExpiration"]["NoncurrentDays"])
            }
        if "AbortIncompleteMultipartUpload" in r:
            rule["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": str(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            }
        rules.append(rule)
    return rules


def _s3_bucket(create, props, *_):
    # moto 5.2 applies only BucketEncryption (without BucketKeyEnabled) and Tags of an
    # AWS::S3::Bucket; versioning, public access block, lifecycle and ownership are dropped.
    bucket = create()
    backend = s3_models.s3_backends[bucket.account_id][bucket.partition]
    name = bucket.name
    sse = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    if sse and bucket.encryption and "BucketKeyEnabled" in sse[0]:
        bucket.encryption["Rule"]["BucketKeyEnabled"] = bool(sse[0]["BucketKeyEnabled"])
    if "VersioningConfiguration" in props:
        backend.put_bucket_versioning(name, props["VersioningConfiguration"]["Status"])
    if "PublicAccessBlockConfiguration" in props:
        backend.put_public_access_block(name, props["PublicAccessBlockConfiguration"])
    if "LifecycleConfiguration" in props:
        backend.put_bucket_lifecycle_configuration(name, lifecycle_rules(props["LifecycleConfiguration"]["Rules"]))
    rules = (props.get("OwnershipControls") or {}).get("Rules") or []
    if rules:
        backend.put_bucket_ownership_controls(name, rules[0]["ObjectOwnership"])
    return bucket


# moto 5.2's CloudFormation cannot delete these EC2 types, so deleting a stack with a VPC fails
# ("The vpc ... has dependencies"). These delete them as CloudFormation would.
def _delete_route(route, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    if route.route_table.id in backend.route_tables:
        backend.delete_route(route.route_table.id, route.destination_cidr_block)


def _delete_route_table(table, account_id, region_name):
    ec2_backends[account_id][region_name].delete_route_table(table.id)


def _delete_vpc_endpoint(endpoint, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    # Route tables deleted before the endpoint have taken its routes with them.
    endpoint.route_table_ids = [r for r in endpoint.route_table_ids or [] if r in backend.route_tables]
    backend.delete_vpc_endpoints([endpoint.id])


def _delete_flow_log(flow_log, account_id, region_name):
    ec2_backends[account_id][region_name].delete_flow_logs([flow_log.id])


def _delete_internet_gateway(igw, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    if igw.vpc:  # the VPCGatewayAttachment cannot be deleted either: detach here
        backend.detach_internet_gateway(igw.id, igw.vpc.id)
    backend.delete_internet_gateway(igw.id)


def _release_address(eip, account_id, region_name):
    ec2_backends[account_id][region_name].release_address(address=eip.public_ip)


def _nat_gateway_attribute(gateway, attribute_name):
    # moto 5.2's NatGateway has no GetAtt at all; CDK exports NatGatewayId (for NAT alarms), and
    # one failing output hides every output of the stack from DescribeStacks.
    if attribute_name == "NatGatewayId":
        return gateway.id
    raise cfn_parsing.UnformattedGetAttTemplateException()


def _delete_nat_gateway(gateway, account_id, region_name):
    ec2_backends[account_id][region_name].delete_nat_gateway(gateway.id)


def _delete_role(role, account_id, region_name):
    # What CloudFormation does first, and moto does not: detach the managed policies.
    backend = iam_models.iam_backends[account_id][get_partition(region_name)]
    for arn in list(role.managed_policies):
        backend.detach_role_policy(arn, role.name)
    iam_models.Role.delete_from_cloudformation_json(role.name, {}, account_id, region_name)


def _update_termination_protection(self):
    # moto 5.2 does not implement UpdateTerminationProtection, which `cdk deploy` calls for
    # every stack (HTTP 500 for protected ones).
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
    return ActionResult({"StackId": stack.stack_id})


_delete_stack = CloudFormationResponse.delete_stack


def _delete_stack_unless_protected(self):
    # ... nor does it refuse to delete a protected stack, or one whose export another stack
    # imports, as CloudFormation does.
    name = self._get_param("StackName")
    stack = self.cloudformation_backend.get_stack(name)
    if stack.status == "DELETE_COMPLETE":
        return _delete_stack(self)
    if getattr(stack, "enable_termination_protection", False):
        raise ValidationError(message=f"Stack [{name}] cannot be deleted while TerminationProtection is enabled")
    for export in getattr(stack, "exports", []):
        for other in self.cloudformation_backend.stacks.values():
            if other is not stack and other.status != "DELETE_COMPLETE" and _imports(_template_of(other), export.name):
                raise ValidationError(message=f"Export {export.name} cannot be deleted as it is in use by {other.name}")
    response = _delete_stack(self)
    # moto evaluates a stack's outputs anew on every DescribeStacks, even once it is deleted,
    # and evaluating a Fn::GetAtt re-creates the deleted resource (the account stack's
    # dms-vpc-role, whose ARN it exports). A deleted stack has nothing left to report.
    stack.output_map = cfn_parsing.OutputMap(stack.resource_map, {}, stack.stack_id)
    return response


def _template_of(stack):
    # A stack made by a change set keeps its template only as text (template_dict stays {}).
    if isinstance(stack.template, str) and stack.template.strip().startswith("{"):
        return json.loads(stack.template)
    return stack.template_dict


def _imports(node, export_name):
    """Whether a template (or a part of one) holds Fn::ImportValue of export_name."""
    if isinstance(node, dict):
        return node.get("Fn::ImportValue") == export_name or any(_imports(v, export_name) for v in node.values())
    if isinstance(node, list):
        return any(_imports(v, export_name) for v in node)
    return False


_clean_json = cfn_parsing.clean_json


def _skipped(cfn_type):
    """Whether moto's CloudFormation skips (creates nothing for) resources of this type."""
    return (
        not cfn_type.startswith("Custom::")
        and cfn_type not in cfn_parsing.NULL_MODELS
        and cfn_type not in cfn_parsing.get_model_map()
    )


def _skipped_reference(resource_json, resources_map):
    """A stand-in for a Ref or Fn::GetAtt to a resource of a type moto skips, or None.

    moto fails the whole stack on such a reference ("Fn::GetAtt references undefined
    resource"), so one skipped type (a CloudWatch alarm) would hide every other resource of
    the stack. The rehearsal lists the skipped resource as not verified either way."""
    if not isinstance(resource_json, dict) or len(resource_json) != 1:
        return None
    ((fn, arg),) = resource_json.items()
    if fn == "Ref" and isinstance(arg, str):
        logical, attr = arg, None
    elif fn == "Fn::GetAtt":
        logical, attr = (arg[0], arg[1]) if isinstance(arg, list) else arg.split(".", 1)
    else:
        return None
    resource = (getattr(resources_map, "_resource_json_map", None) or {}).get(logical)
    if not isinstance(resource, dict) or not _skipped(resource.get("Type", "")):
        return None
    # ARN-shaped, as a Ref is for some types (secrets, topics) and IAM policies require.
    arn = f"arn:aws:rehearsal:{resources_map._region_name}:{resources_map._account_id}:skipped/{logical}"
    return arn if attr in (None, "Arn") else f"{arn}/{attr}"


def _clean_json_with_stack_outputs(resource_json, resources_map):
    stand_in = _skipped_reference(resource_json, resources_map)
    if stand_in is not None:
        return stand_in
    # moto 5.2 does not know Fn::GetStackOutput, which CDK's weak cross-stack references
    # (@aws-cdk/core:defaultCrossStackReferences) write; it passes the object on and fails
    # later (e.g. TypeError: unhashable type: 'dict' for a security group's VpcId).
    if (
        isinstance(resource_json, dict)
        and "Fn::GetStackOutput" in resource_json
        and hasattr(resources_map, "_account_id")
    ):
        arg = _clean_json(resource_json["Fn::GetStackOutput"], resources_map)
        backend = cfn_models.cloudformation_backends[resources_map._account_id][
            arg.get("Region") or resources_map._region_name
        ]
        stack = backend.get_stack(arg["StackName"])
        for output in stack.output_map.values():
            if output and output.key == arg["OutputName"]:
                return output.value
        raise ValidationError(message=f"Stack {arg['StackName']} has no output {arg['OutputName']}")
    return _clean_json(resource_json, resources_map)


_apply_change_set = cfn_models.ChangeSet.apply


def _apply_change_set_with_outputs(change_set):
    # moto 5.2 builds a stack's outputs when the change set is created, from the empty
    # template of a stack under review, and never again: every `cdk deploy` stack has none.
    # Nor does it give such a stack the exports to resolve Fn::ImportValue against, or publish
    # the stack's own exports as CreateStack does (DeleteStack then fails on the missing one).
    stack = change_set.stack
    backend = cfn_models.cloudformation_backends[stack.account_id][stack.region_name]
    stack.cross_stack_resources = stack.resource_map.cross_stack_resources = backend.exports
    _apply_change_set(change_set)
    stack.output_map = cfn_parsing.OutputMap(stack.resource_map, change_set.template_dict, stack.stack_id)
    for export in stack.exports:
        backend.exports[export.name] = export


cfn_models.ChangeSet.apply = _apply_change_set_with_outputs

_create_log_group = logs_models.LogGroup.create_from_cloudformation_json.__func__


def _create_log_group_over_lambda_logs(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    # moto "invokes" a custom resource's Lambda while creating it and makes its log group,
    # /aws/lambda/<function>, on the way; the template's own log group for that function
    # (CDK's managed Lambda log groups) then fails: "The specified log group already exists".
    # AWS creates that group only when the function first logs, after the template's.
    backend = logs_models.logs_backends[account_id][region_name]
    if resource_name.startswith("/aws/lambda/") and resource_name in backend.groups:
        backend.delete_log_group(resource_name)
    return _create_log_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


logs_models.LogGroup.create_from_cloudformation_json = classmethod(_create_log_group_over_lambda_logs)
# moto 5.2's DBParameterGroup has no physical ID, so a Ref to it yields the object itself and
# the DB instance fails (AttributeError: 'DBParameterGroup' object has no attribute 'startswith').
rds_models.DBParameterGroup.physical_resource_id = property(lambda group: group.name)
# clean_json calls itself through the module's name, so nested uses are covered too.
cfn_parsing.clean_json = _clean_json_with_stack_outputs
CloudFormationResponse.update_termination_protection = _update_termination_protection
CloudFormationResponse.delete_stack = _delete_stack_unless_protected
iam_models.Role.delete = _delete_role
Route.delete = _delete_route
RouteTable.delete = _delete_route_table
VPCEndPoint.delete = _delete_vpc_endpoint
NatGateway.delete = _delete_nat_gateway
NatGateway.has_cfn_attr = classmethod(lambda cls, attr: attr == "NatGatewayId")
NatGateway.get_cfn_attribute = _nat_gateway_attribute
FlowLogs.delete = _delete_flow_log
InternetGateway.delete = _delete_internet_gateway
ElasticAddress.delete = _release_address
_wrap_create(kms_models.Key, _kms_key)
_wrap_create(VPC, _vpc)
_wrap_create(iam_models.Role, _iam_role)
_wrap_create(kinesis_models.Stream, _kinesis_stream)
_wrap_create(s3_models.FakeBucket, _s3_bucket)

if __name__ == "__main__":
    # Attaching AWS managed policies (ManagedPolicyArns above, the CDK bootstrap's
    # ReadOnlyAccess) needs moto to know them; it skips loading them unless asked.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    fixes.apply_all()
    main()
