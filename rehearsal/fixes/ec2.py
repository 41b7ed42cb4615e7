"""EC2 networking as CloudFormation creates and deletes it: VPC DNS, NAT gateway attributes, and
the deletion of everything in a VPC."""

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.vpcs import VPC, VPCEndPoint

from . import patching


def _vpc(create, props, *_):
    # moto 5.2 ignores EnableDnsHostnames and EnableDnsSupport of an AWS::EC2::VPC.
    vpc = create()
    for prop, attr in (("EnableDnsHostnames", "enable_dns_hostnames"), ("EnableDnsSupport", "enable_dns_support")):
        if prop in props:
            setattr(vpc, attr, str(props[prop]).lower() == "true")
    return vpc


_create_vpc = patching.around_create(VPC, _vpc)


# moto 5.2's NatGateway has no GetAtt at all; CDK exports NatGatewayId (for NAT alarms), and
# one failing output hides every output of the stack from DescribeStacks. Declaring the one
# attribute also makes CreateStack refuse an output of any other, as CloudFormation does.
def _nat_gateway_attribute(gateway, attribute_name):
    if attribute_name == "NatGatewayId":
        return gateway.id
    raise UnformattedGetAttTemplateException()


_nat_gateway_has_attribute = classmethod(lambda cls, attr: attr == "NatGatewayId")


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


def _delete_nat_gateway(gateway, account_id, region_name):
    ec2_backends[account_id][region_name].delete_nat_gateway(gateway.id)


def apply():
    """VPCs get their DNS attributes, NAT gateways their NatGatewayId, and a stack's routes,
    route tables, endpoints, flow logs, internet gateways, Elastic IPs and NAT gateways are
    deleted with it."""
    patching.replace(VPC, "create_from_cloudformation_json", _create_vpc)
    patching.replace(NatGateway, "has_cfn_attr", _nat_gateway_has_attribute)
    patching.replace(NatGateway, "get_cfn_attribute", _nat_gateway_attribute)
    for model, delete in (
        (Route, _delete_route),
        (RouteTable, _delete_route_table),
        (VPCEndPoint, _delete_vpc_endpoint),
        (FlowLogs, _delete_flow_log),
        (InternetGateway, _delete_internet_gateway),
        (ElasticAddress, _release_address),
        (NatGateway, _delete_nat_gateway),
    ):
        patching.replace(model, "delete", delete)
