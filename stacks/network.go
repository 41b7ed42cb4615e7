package stacks

import (
	"dataplatform/config"
	"dataplatform/constructs/vpc"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
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

	shared := vpc.New(stack, &vpc.Props{
		Name:              env.ResourceName("vpc"),
		CIDR:              n.CIDR,
		AvailabilityZones: env.AvailabilityZones,
		NATGateways:       n.NATGateways,
		Subnets: []*awsec2.SubnetConfiguration{
			{Name: jsii.String(PublicSubnets), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(n.PublicSubnetMask)), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(PrivateSubnets), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(float64(n.PrivateSubnetMask))},
			{Name: jsii.String(IsolatedSubnets), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(n.IsolatedSubnetMask))},
		},
		LogsKeyAlias:         env.ResourceName("network-logs"),
		FlowLogRetentionDays: n.FlowLogRetentionDays,
		RemovalPolicy:        removalPolicy(env),
	})
	return &NetworkStack{Stack: stack, Vpc: shared}
}
