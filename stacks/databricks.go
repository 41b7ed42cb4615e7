package stacks

import (
	"dataplatform/config"
	"dataplatform/constructs/securebucket"
	"dataplatform/constructs/vpc"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Subnet group names of the workspace VPC.
const (
	WorkspaceSubnets = "Workspace"
	NatSubnets       = "Nat"
)

// workspaceEgress are the TCP ports Databricks clusters reach outside the VPC: 443 (control
// plane, S3, STS, Kinesis), 3306 (legacy Hive metastore), 6666 (secure cluster connectivity
// relay), 2443 (FIPS / compliance security profile), 8443-8451 (control plane API, Unity
// Catalog, fine-grained access control). Databricks' customer-managed VPC guide (Security
// groups) requires them to 0.0.0.0/0: the control plane's addresses are not published as a list.
var workspaceEgress = []awsec2.Port{
	awsec2.Port_Tcp(jsii.Number(443)),
	awsec2.Port_Tcp(jsii.Number(3306)),
	awsec2.Port_Tcp(jsii.Number(6666)),
	awsec2.Port_Tcp(jsii.Number(2443)),
	awsec2.Port_TcpRange(jsii.Number(8443), jsii.Number(8451)),
}

// DatabricksStackProps configures NewDatabricksStack.
type DatabricksStackProps struct {
	// Env is the environment being built; Env.Databricks.Enabled must be true.
	Env config.Environment
	// Bronze is read by clusters through the data-access role.
	Bronze awss3.IBucket
	// Silver is read and written by clusters through the data-access role.
	Silver awss3.IBucket
	// Gold and DataKey (the lake's key) are the storage credential's too, where Unity Catalog is on.
	Gold    awss3.IBucket
	DataKey awskms.IKey
	// AccessLogs receives the root bucket's server access logs.
	AccessLogs awss3.IBucket
}

// DatabricksStack is everything a Databricks workspace is registered with: its own
// customer-managed VPC, the cross-account role, the root bucket and the data-access role.
type DatabricksStack struct {
	awscdk.Stack
	// Vpc is the workspace VPC: private cluster subnets with NAT egress, one per zone.
	Vpc awsec2.Vpc
	// SecurityGroup is the workspace security group Databricks attaches to every cluster node.
	SecurityGroup awsec2.SecurityGroup
	// CrossAccountRole is the credential configuration: Databricks launches clusters with it.
	CrossAccountRole awsiam.Role
	// DataAccessRole is what clusters run as (via InstanceProfile): bronze read, silver write.
	DataAccessRole awsiam.Role
	// InstanceProfile wraps DataAccessRole for EC2; register it in the workspace.
	InstanceProfile awsiam.InstanceProfile
	// RootBucket is the workspace root storage (DBFS root, job results, notebook revisions).
	RootBucket awss3.Bucket
	// StorageCredentialRole is the Unity Catalog storage credential's role, where
	// databricks.unityCatalog is on; nil otherwise.
	StorageCredentialRole awsiam.Role
}

// NewDatabricksStack creates the workspace network, roles and root bucket, and outputs every
// ID the Databricks account console asks for.
func NewDatabricksStack(scope constructs.Construct, id string, props *DatabricksStackProps) *DatabricksStack {
	env := props.Env
	stack := newStack(scope, id, env, "Databricks customer-managed VPC, cross-account role, root bucket and data-access role of "+env.Name)
	// The workspace VPC has its own zones; answer the stack's zone lookup with them.
	zones := env
	zones.AvailabilityZones = env.Databricks.AvailabilityZones
	pinAvailabilityZones(stack, zones)

	s := &DatabricksStack{Stack: stack}
	s.Vpc = newWorkspaceVpc(stack, env)
	s.SecurityGroup = newWorkspaceSecurityGroup(stack, s.Vpc)
	addWorkspaceEndpoints(stack, s.Vpc, s.SecurityGroup)
	s.RootBucket = newRootBucket(stack, env, props.AccessLogs)
	s.DataAccessRole, s.InstanceProfile = newDataAccessRole(stack, env, props)
	s.CrossAccountRole = newCrossAccountRole(stack, env, s.Vpc, s.SecurityGroup, s.DataAccessRole)
	if env.Databricks.UnityCatalog.Enabled {
		s.StorageCredentialRole = newStorageCredentialRole(stack, env, props)
	}
	s.addOutputs()
	return s
}

// newWorkspaceVpc creates the VPC with one private (cluster) and one public (NAT) subnet per
// configured zone, an S3 gateway endpoint and flow logs to a KMS-encrypted log group.
func newWorkspaceVpc(stack awscdk.Stack, env config.Environment) awsec2.Vpc {
	d := env.Databricks
	return vpc.New(stack, &vpc.Props{
		Name:              env.ResourceName("databricks-vpc"),
		CIDR:              d.CIDR,
		AvailabilityZones: d.AvailabilityZones,
		NATGateways:       d.NATGateways,
		// Private first: the largest subnets come first (config validation computes the same layout).
		Subnets: []*awsec2.SubnetConfiguration{
			{Name: jsii.String(WorkspaceSubnets), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(float64(d.SubnetMask))},
			{Name: jsii.String(NatSubnets), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(d.PublicSubnetMask)), MapPublicIpOnLaunch: jsii.Bool(false)},
		},
		LogsKeyAlias:         env.ResourceName("databricks-network-logs"),
		FlowLogRetentionDays: env.Network.FlowLogRetentionDays,
		RemovalPolicy:        removalPolicy(env),
	})
}

// newWorkspaceSecurityGroup creates the group with exactly the rules Databricks documents: all
// TCP and UDP within the group, both ways, and the listed TCP ports out to anywhere.
func newWorkspaceSecurityGroup(stack awscdk.Stack, vpc awsec2.Vpc) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(stack, jsii.String("WorkspaceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Databricks workspace: cluster nodes talk to each other and to the control plane"),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, port := range []awsec2.Port{awsec2.Port_AllTcp(), awsec2.Port_AllUdp()} {
		sg.AddIngressRule(sg, port, jsii.String("Cluster nodes to each other"), nil)
		sg.AddEgressRule(sg, port, jsii.String("Cluster nodes to each other"), nil)
	}
	for _, port := range workspaceEgress {
		sg.AddEgressRule(awsec2.Peer_AnyIpv4(), port, jsii.String("Databricks control plane and AWS services"), nil)
	}
	return sg
}

// addWorkspaceEndpoints adds the STS and Kinesis interface endpoints with private DNS, behind
// a security group that only the workspace may reach, on 443.
func addWorkspaceEndpoints(stack awscdk.Stack, vpc awsec2.Vpc, workspace awsec2.SecurityGroup) {
	endpoints := awsec2.NewSecurityGroup(stack, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Interface endpoints of the Databricks workspace VPC"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpoints.AddIngressRule(workspace, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the workspace"), nil)
	services := []struct {
		id      string
		service awsec2.InterfaceVpcEndpointAwsService
	}{
		{"Sts", awsec2.InterfaceVpcEndpointAwsService_STS()},
		{"KinesisStreams", awsec2.InterfaceVpcEndpointAwsService_KINESIS_STREAMS()},
	}
	for _, s := range services {
		vpc.AddInterfaceEndpoint(jsii.String(s.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           s.service,
			PrivateDnsEnabled: jsii.Bool(true),
			SecurityGroups:    &[]awsec2.ISecurityGroup{endpoints},
			Subnets:           &awsec2.SubnetSelection{SubnetGroupName: jsii.String(WorkspaceSubnets)},
			// Open would allow 443 from the whole VPC; the rule above is narrower.
			Open: jsii.Bool(false),
		})
	}
}

// newRootBucket creates the workspace root bucket with the policy Databricks requires. It uses
// SSE-S3: SSE-KMS on the root bucket works only with a Databricks "workspace storage"
// customer-managed-key configuration (Enterprise tier), and FACTS allows either.
func newRootBucket(stack awscdk.Stack, env config.Environment, accessLogs awss3.IBucket) awss3.Bucket {
	bucket := securebucket.New(stack, "RootBucket", &securebucket.Props{
		BucketName:       env.BucketName(config.BucketDatabricksRoot),
		S3Managed:        true,
		AccessLogs:       accessLogs,
		AccessLogsPrefix: config.BucketDatabricksRoot + "/",
		RemovalPolicy:    removalPolicy(env),
	})
	bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GrantDatabricksAccess"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(jsii.String(config.DatabricksAccountPrincipal))},
		Actions: jsii.Strings("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
			"s3:ListBucket", "s3:GetBucketLocation"),
		Resources: &[]*string{bucket.BucketArn(), bucket.ArnForObjects(jsii.String("*"))},
		// Only Databricks sessions acting for our Databricks account, not any of its customers.
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/DatabricksAccountId": env.Databricks.AccountID}},
	}))
	return bucket
}

// addOutputs prints what the Databricks account console asks for when registering the
// workspace: credential, storage and network configuration, and the instance profile.
func (s *DatabricksStack) addOutputs() {
	var subnetIDs []*string
	for _, subnet := range *s.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(WorkspaceSubnets)}).SubnetIds {
		subnetIDs = append(subnetIDs, subnet)
	}
	outputs := []struct{ id, value, description string }{
		{"CrossAccountRoleArn", *s.CrossAccountRole.RoleArn(), "Credential configuration: the cross-account role ARN"},
		{"RootBucketName", *s.RootBucket.BucketName(), "Storage configuration: the workspace root bucket"},
		{"VpcId", *s.Vpc.VpcId(), "Network configuration: the VPC ID"},
		{"SubnetIds", *awscdk.Fn_Join(jsii.String(","), &subnetIDs), "Network configuration: the private subnet IDs, one per zone"},
		{"SecurityGroupId", *s.SecurityGroup.SecurityGroupId(), "Network configuration: the workspace security group ID"},
		{"InstanceProfileArn", *s.InstanceProfile.InstanceProfileArn(), "Workspace instance profile for clusters (data access)"},
		{"DataAccessRoleArn", *s.DataAccessRole.RoleArn(), "IAM role of the instance profile"},
	}
	if s.StorageCredentialRole != nil {
		outputs = append(outputs, struct{ id, value, description string }{
			config.UnityCatalogRoleOutput, *s.StorageCredentialRole.RoleArn(), "Unity Catalog: the storage credential's IAM role (the set-up command reads it)",
		})
	}
	for _, o := range outputs {
		awscdk.NewCfnOutput(s.Stack, jsii.String(o.id), &awscdk.CfnOutputProps{Value: jsii.String(o.value), Description: jsii.String(o.description)})
	}
}
