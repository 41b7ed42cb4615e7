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
	// SecretsManager is the Secrets Manager interface endpoint (private DNS) of the private
	// subnets; it admits nobody by itself: each client allows itself to it.
	SecretsManager awsec2.InterfaceVpcEndpoint
	// S3 is the region's S3 prefix list: security groups reach the gateway endpoint through it.
	S3 awsec2.IPeer
}

// Subnet group names: other stacks select subnets by these.
const (
	PublicSubnets   = "Public"
	PrivateSubnets  = "Private"
	IsolatedSubnets = "Isolated"
)

// NewNetworkStack creates the VPC with explicit AZs (no lookups), NAT gateways from config,
// an S3 gateway endpoint, a Secrets Manager interface endpoint and flow logs to a
// KMS-encrypted log group.
func NewNetworkStack(scope constructs.Construct, id string, props *NetworkStackProps) *NetworkStack {
	env, n := props.Env, props.Env.Network
	stack := newStack(scope, id, env, "Shared VPC, subnets, NAT, S3 endpoint and flow logs of "+env.Name)

	// Without NAT gateways (MWAA off) the private subnets have no route out: CDK refuses
	// PRIVATE_WITH_EGRESS subnets without one, so the group becomes isolated. It keeps its name
	// and blocks, so DMS, the rotation Lambdas and the endpoint stay where they were, and
	// turning MWAA back on only adds the NAT gateway and the routes to it.
	privateType := awsec2.SubnetType_PRIVATE_WITH_EGRESS
	if n.NATGateways == 0 {
		privateType = awsec2.SubnetType_PRIVATE_ISOLATED
	}
	shared := vpc.New(stack, &vpc.Props{
		Name:              env.ResourceName("vpc"),
		CIDR:              n.CIDR,
		AvailabilityZones: env.AvailabilityZones,
		NATGateways:       n.NATGateways,
		Subnets: []*awsec2.SubnetConfiguration{
			{Name: jsii.String(PublicSubnets), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(n.PublicSubnetMask)), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(PrivateSubnets), SubnetType: privateType, CidrMask: jsii.Number(float64(n.PrivateSubnetMask))},
			{Name: jsii.String(IsolatedSubnets), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(n.IsolatedSubnetMask))},
		},
		LogsKeyAlias:         env.ResourceName("network-logs"),
		FlowLogRetentionDays: n.FlowLogRetentionDays,
		RemovalPolicy:        removalPolicy(env),
	})
	return &NetworkStack{
		Stack:          stack,
		Vpc:            shared,
		SecretsManager: secretsManagerEndpoint(stack, shared),
		S3:             awsec2.Peer_PrefixList(jsii.String(n.S3PrefixListID)),
	}
}

// secretsManagerEndpoint lets DMS, the secret-rotation Lambda and MWAA's Secrets Manager
// backend read secrets without internet egress. With private DNS it is the only way to Secrets
// Manager from this VPC, so every caller must be admitted (TestEveryVpcCallerReachesWhatItCalls
// finds them). Its group has no egress (an endpoint opens no connections) and no ingress until
// a client adds its own rule: Open would admit the whole VPC.
func secretsManagerEndpoint(stack awscdk.Stack, vpc awsec2.Vpc) awsec2.InterfaceVpcEndpoint {
	sg := awsec2.NewSecurityGroup(stack, jsii.String("SecretsManagerEndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Secrets Manager interface endpoint: HTTPS from the groups that allow themselves"),
		AllowAllOutbound: jsii.Bool(false),
	})
	return vpc.AddInterfaceEndpoint(jsii.String("SecretsManager"), &awsec2.InterfaceVpcEndpointOptions{
		Service:           awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
		PrivateDnsEnabled: jsii.Bool(true),
		SecurityGroups:    &[]awsec2.ISecurityGroup{sg},
		Subnets:           &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)},
		Open:              jsii.Bool(false),
	})
}
