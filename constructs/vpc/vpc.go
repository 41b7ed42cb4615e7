// Package vpc makes the platform's VPCs (the shared one and the Databricks workspace's) the
// one way they are both made: explicit zones, flow logs of all traffic to a log group under a
// key of its own, an S3 gateway endpoint, and a default security group with no rules.
package vpc

import (
	"dataplatform/constructs/logs"
	"dataplatform/constructs/removal"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Props configures New. Name, CIDR, AvailabilityZones, Subnets, LogsKeyAlias and
// FlowLogRetentionDays are required.
type Props struct {
	// Name is the VPC's Name tag.
	Name string
	// CIDR is the VPC's IPv4 range.
	CIDR string
	// AvailabilityZones are explicit, so synth needs no AWS lookup.
	AvailabilityZones []string
	// NATGateways is how many NAT gateways serve the private subnets (0 for none).
	NATGateways int
	// Subnets are the subnet groups, largest first so CDK's aligned allocation wastes nothing.
	Subnets []*awsec2.SubnetConfiguration
	// LogsKeyAlias names the KMS key of the flow-log group, without "alias/".
	LogsKeyAlias string
	// FlowLogRetentionDays must be one of config.LogRetentionDays.
	FlowLogRetentionDays int
	// RemovalPolicy of the key and the log group; defaults to RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Logical IDs of what New adds to its scope. They are the IDs the stacks had before this
// construct existed: a changed ID would replace the VPC, and with it the registered
// Databricks network configuration.
const (
	keyID      = "LogsKey"
	flowLogsID = "FlowLogs"
	vpcID      = "Vpc"
)

// New adds the VPC, its flow-log key and group to scope itself, not to a construct of its
// own, so that their logical IDs do not move (see keyID).
func New(scope constructs.Construct, props *Props) awsec2.Vpc {
	if props.Name == "" || props.CIDR == "" || len(props.AvailabilityZones) == 0 || len(props.Subnets) == 0 || props.LogsKeyAlias == "" || props.FlowLogRetentionDays == 0 {
		panic("vpc: Name, CIDR, AvailabilityZones, Subnets, LogsKeyAlias and FlowLogRetentionDays are required")
	}
	policy := removal.OrRetain(props.RemovalPolicy)
	key := logs.NewKey(scope, keyID, &logs.KeyProps{Alias: props.LogsKeyAlias, RemovalPolicy: policy})
	flowLogs := logs.NewGroup(scope, flowLogsID, &logs.GroupProps{Key: key, RetentionDays: props.FlowLogRetentionDays, RemovalPolicy: policy})
	vpc := awsec2.NewVpc(scope, jsii.String(vpcID), &awsec2.VpcProps{
		VpcName:             jsii.String(props.Name),
		IpAddresses:         awsec2.IpAddresses_Cidr(jsii.String(props.CIDR)),
		AvailabilityZones:   jsii.Strings(props.AvailabilityZones...),
		NatGateways:         jsii.Number(float64(props.NATGateways)),
		SubnetConfiguration: &props.Subnets,
		// Databricks requires DNS hostnames and resolution in a customer-managed VPC, and
		// interface endpoints need them everywhere (CDK's defaults, said out loud).
		EnableDnsHostnames: jsii.Bool(true),
		EnableDnsSupport:   jsii.Bool(true),
		// Data-lake traffic stays off the NAT gateways: cheaper, and it never leaves AWS.
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()}},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil), TrafficType: awsec2.FlowLogTrafficType_ALL},
		},
		// A CIS control: nothing may rely on the default security group.
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	suppressRestrictDefaultSecurityGroupProvider(scope)
	return vpc
}

// suppressRestrictDefaultSecurityGroupProvider scopes the finding on the Lambda that CDK
// itself ships to strip the default security group's rules.
func suppressRestrictDefaultSecurityGroupProvider(scope constructs.Construct) {
	stack := awscdk.Stack_Of(scope)
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack,
		jsii.String(*stack.Node().Path()+"/Custom::VpcRestrictDefaultSGCustomResourceProvider"),
		&[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-IAM4"),
			Reason: jsii.String("CDK's own provider for restrictDefaultSecurityGroup uses AWSLambdaBasicExecutionRole to write its logs; it runs only during deployments."),
		}}, jsii.Bool(true))
}
