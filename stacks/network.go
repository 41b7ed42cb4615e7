package stacks

import (
	"dataplatform/config"
	"dataplatform/constructs/logs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// NetworkStackProps configures NewNetworkStack.
type NetworkStackProps struct {
	// Env is the environment being built.
	Env config.Environment
}

// NetworkStack is the shared VPC that the database, DMS and Airflow run in.
type NetworkStack struct {
	awscdk.Stack
	// Vpc has public, private-with-egress and isolated subnets in every configured AZ.
	Vpc awsec2.Vpc
}

// Subnet group names: other stacks select subnets by these.
const (
	PublicSubnets   = "Public"
	PrivateSubnets  = "Private"
	IsolatedSubnets = "Isolated"
)

// NewNetworkStack creates the VPC with explicit AZs (no lookups), NAT gateways from config,
// an S3 gateway endpoint and flow logs to a KMS-encrypted log group.
func NewNetworkStack(scope constructs.Construct, id string, props *NetworkStackProps) *NetworkStack {
	env, n := props.Env, props.Env.Network
	stack := newStack(scope, id, env, "Shared VPC, subnets, NAT, S3 endpoint and flow logs of "+env.Name)

	key := logs.NewKey(stack, "LogsKey", &logs.KeyProps{Alias: env.ResourceName("network-logs"), RemovalPolicy: removalPolicy(env)})
	flowLogs := logs.NewGroup(stack, "FlowLogs", &logs.GroupProps{Key: key, RetentionDays: n.FlowLogRetentionDays, RemovalPolicy: removalPolicy(env)})

	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		VpcName:           jsii.String(env.ResourceName("vpc")),
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(n.CIDR)),
		AvailabilityZones: jsii.Strings(env.AvailabilityZones...),
		NatGateways:       jsii.Number(float64(n.NATGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(PublicSubnets), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(n.PublicSubnetMask)), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(PrivateSubnets), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(float64(n.PrivateSubnetMask))},
			{Name: jsii.String(IsolatedSubnets), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(n.IsolatedSubnetMask))},
		},
		GatewayEndpoints:             s3GatewayEndpoint(),
		FlowLogs:                     allTrafficFlowLogs(flowLogs),
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	suppressRestrictDefaultSecurityGroupProvider(stack)
	return &NetworkStack{Stack: stack, Vpc: vpc}
}

// s3GatewayEndpoint keeps data-lake traffic off the NAT gateways: cheaper, and it never
// leaves AWS's network.
func s3GatewayEndpoint() *map[string]*awsec2.GatewayVpcEndpointOptions {
	return &map[string]*awsec2.GatewayVpcEndpointOptions{"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()}}
}

// allTrafficFlowLogs records accepted and rejected traffic of the whole VPC in group.
func allTrafficFlowLogs(group awslogs.ILogGroup) *map[string]*awsec2.FlowLogOptions {
	return &map[string]*awsec2.FlowLogOptions{
		"All": {Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(group, nil), TrafficType: awsec2.FlowLogTrafficType_ALL},
	}
}

// suppressRestrictDefaultSecurityGroupProvider scopes the findings on the Lambda that CDK
// itself ships to strip the default security group's rules (a CIS control we want on).
func suppressRestrictDefaultSecurityGroupProvider(stack awscdk.Stack) {
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack,
		jsii.String(*stack.Node().Path()+"/Custom::VpcRestrictDefaultSGCustomResourceProvider"),
		&[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-IAM4"),
			Reason: jsii.String("CDK's own provider for restrictDefaultSecurityGroup uses AWSLambdaBasicExecutionRole to write its logs; it runs only during deployments."),
		}}, jsii.Bool(true))
}
