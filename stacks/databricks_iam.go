package stacks

import (
	"fmt"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newDataAccessRole creates the role clusters run as, and its instance profile of the same
// name (Databricks then needs only the profile ARN): what the jobs need and no more. With the
// speed layer they publish its freshness metric. Without Unity Catalog they also reach the lake
// through it: they read the bronze prefixes they process (DMS's, the API DAG's and, with the
// speed layer, each stream's and its conversion errors), read and write silver (its tables, and
// the checkpoints and delete markers under its state prefix), and read the Glue catalog of the
// bronze and silver databases; they create no Glue table (the Catalog stack registers them).
// Once Unity Catalog is ready (its credential's external ID in config) the lake is the storage
// credential's (newStorageCredentialRole), reached through the external locations, so the
// profile holds no S3, KMS or Glue right; while the ID is pending, jobs deployed before keep
// the profile's access.
func newDataAccessRole(stack awscdk.Stack, env config.Environment, props *DatabricksStackProps) (awsiam.Role, awsiam.InstanceProfile) {
	name := env.DatabricksDataAccessRoleName()
	description := "Databricks clusters of " + env.Name + ": read the bronze prefixes the jobs process, write silver"
	if env.Databricks.UnityCatalog.Ready() {
		description = "Databricks clusters of " + env.Name + ": the lake is Unity Catalog's; publish the speed layer's metric"
	}
	role := awsiam.NewRole(stack, jsii.String("DataAccessRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(name),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String(description),
	})
	profile := awsiam.NewInstanceProfile(stack, jsii.String("InstanceProfile"), &awsiam.InstanceProfileProps{
		InstanceProfileName: jsii.String(name),
		Role:                role,
	})
	if len(env.SpeedStreams()) > 0 {
		// PutMetricData has no resource to scope to; the namespace condition is its scope.
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PublishSpeedFreshness"),
			Actions:    jsii.Strings("cloudwatch:PutMetricData"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": config.SpeedMetricNamespace}},
		}))
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("Clusters publish metrics in the speed layer's namespace only: PutMetricData has no resource, the cloudwatch:namespace condition scopes it."),
			AppliesTo: &[]any{"Resource::*"},
		}}, jsii.Bool(true))
	}
	if !env.Databricks.UnityCatalog.Ready() {
		grantLakeAccess(stack, role, env, props)
	}
	return role, profile
}

// grantLakeAccess gives the data-access role the lake, where Unity Catalog does not: the bronze
// prefixes the jobs read, silver, and the two layers' Glue catalog.
func grantLakeAccess(stack awscdk.Stack, role awsiam.Role, env config.Environment, props *DatabricksStackProps) {
	// The grants also cover the data-lake key the buckets are encrypted with.
	for _, prefix := range DataAccessBronzePrefixes(env) {
		props.Bronze.GrantRead(role, jsii.String(prefix+"*"))
	}
	props.Silver.GrantReadWrite(role, nil)
	catalog := glueArn(stack, "catalog", "")
	read := []*string{catalog}
	for _, layer := range dataAccessLayers {
		db := env.DatabaseName(layer)
		read = append(read, glueArn(stack, "database", db), glueArn(stack, "table", db+"/*"))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ReadCatalog"),
		Actions: jsii.Strings("glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
			"glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"),
		Resources: &read,
	}))
	suppressDataAccessWildcards(stack, role, env, props.Bronze, props.Silver)
}

// DataAccessBronzePrefixes are the bronze prefixes the jobs read: DMS's and the API DAG's for
// the batch jobs; each speed stream's, and a Parquet stream's conversion errors (which the
// streaming job quarantines), for the speed layer.
func DataAccessBronzePrefixes(env config.Environment) []string {
	prefixes := []string{config.BronzeRDSPrefix, config.BronzeAPIRoot}
	for _, s := range env.SpeedStreams() {
		prefixes = append(prefixes, config.BronzeKinesisPrefix(s.Name))
		if s.Format == config.FormatParquet {
			prefixes = append(prefixes, config.BronzeKinesisConversionErrorsPrefix(s.Name))
		}
	}
	return prefixes
}

// dataAccessLayers are the Glue databases whose catalog the clusters read.
var dataAccessLayers = []string{config.LayerBronze, config.LayerSilver}

// glueArn is the ARN of a Glue catalog resource of this stack's account and region.
func glueArn(stack awscdk.Stack, resource, name string) *string {
	c := &awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String(resource)}
	if name != "" {
		c.ResourceName, c.ArnFormat = jsii.String(name), awscdk.ArnFormat_SLASH_RESOURCE_NAME
	}
	return stack.FormatArn(c)
}

// ec2Arn is the ARN of an EC2 resource of this stack's account and region.
func ec2Arn(stack awscdk.Stack, resource string, name *string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: jsii.String(resource),
		ResourceName: name, ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
}

// newCrossAccountRole creates the role Databricks assumes to run clusters in the workspace VPC.
// Its policy is the shape Databricks documents for a customer-managed VPC with policy
// restrictions: instance, volume, fleet and spot actions, launches only into this VPC and
// security group, tag-scoped terminate and volume actions, no VPC, subnet or gateway creation;
// plus iam:PassRole on the data-access role only.
func newCrossAccountRole(stack awscdk.Stack, env config.Environment, vpc awsec2.Vpc, sg awsec2.SecurityGroup, dataAccess awsiam.Role) awsiam.Role {
	statements := crossAccountStatements(stack, vpc, sg)
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("PassDataAccessRole"),
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  &[]*string{dataAccess.RoleArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}},
	}))
	role := awsiam.NewRole(stack, jsii.String("CrossAccountRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewArnPrincipal(jsii.String(config.DatabricksAccountPrincipal)),
		ExternalIds: jsii.Strings(env.Databricks.AccountID),
		Description: jsii.String("Databricks control plane launches the clusters of " + env.Name + " in its customer-managed VPC"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"CustomerManagedVpc": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		},
	})
	suppressCrossAccountWildcards(role, stack)
	return role
}

// crossAccountStatements are Databricks' documented statements for a customer-managed VPC
// with policy restrictions, scoped to this account, region, VPC and security group.
func crossAccountStatements(stack awscdk.Stack, vpc awsec2.Vpc, sg awsec2.SecurityGroup) []awsiam.PolicyStatement {
	all := jsii.String("*")
	instances, volumes, images := ec2Arn(stack, "instance", all), ec2Arn(stack, "volume", all), ec2Arn(stack, "image", all)
	enis, subnets, sgs := ec2Arn(stack, "network-interface", all), ec2Arn(stack, "subnet", all), ec2Arn(stack, "security-group", all)
	inVpc := map[string]any{"StringEquals": map[string]any{"ec2:vpc": ec2Arn(stack, "vpc", vpc.VpcId())}}
	tagged := map[string]any{"StringEquals": map[string]any{"ec2:ResourceTag/Vendor": "Databricks"}}
	tagging := map[string]any{"StringEquals": map[string]any{"aws:RequestTag/Vendor": "Databricks"}}
	statement := func(sid string, actions []string, resources []*string, conditions map[string]any) awsiam.PolicyStatement {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return awsiam.NewPolicyStatement(props)
	}
	otherResources := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("AllowEc2RunInstanceOtherResources"), Actions: jsii.Strings("ec2:RunInstances"),
		NotResources: &[]*string{images, enis, subnets, sgs, volumes, instances},
	})
	return []awsiam.PolicyStatement{
		// These actions support no resource-level permissions (Describe*, fleets, launch
		// templates, spot requests) or tag resources at creation, so AWS allows only "*".
		statement("NonResourceBasedPermissions", []string{
			"ec2:AssignPrivateIpAddresses", "ec2:CancelSpotInstanceRequests", "ec2:DescribeAvailabilityZones",
			"ec2:DescribeIamInstanceProfileAssociations", "ec2:DescribeInstanceStatus", "ec2:DescribeInstances",
			"ec2:DescribeInternetGateways", "ec2:DescribeNatGateways", "ec2:DescribeNetworkAcls",
			"ec2:DescribePrefixLists", "ec2:DescribeReservedInstancesOfferings", "ec2:DescribeRouteTables",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSpotInstanceRequests", "ec2:DescribeSpotPriceHistory",
			"ec2:DescribeSubnets", "ec2:DescribeVolumes", "ec2:DescribeVpcAttribute", "ec2:DescribeVpcs",
			"ec2:CreateTags", "ec2:DeleteTags", "ec2:GetSpotPlacementScores", "ec2:RequestSpotInstances",
			"ec2:DescribeFleetHistory", "ec2:ModifyFleet", "ec2:DeleteFleets", "ec2:DescribeFleetInstances",
			"ec2:DescribeFleets", "ec2:CreateFleet", "ec2:DeleteLaunchTemplate", "ec2:GetLaunchTemplateData",
			"ec2:CreateLaunchTemplate", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions",
			"ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplateVersions", "ec2:CreateLaunchTemplateVersion",
		}, []*string{all}, nil),
		statement("InstancePoolsSupport", []string{"ec2:AssociateIamInstanceProfile", "ec2:DisassociateIamInstanceProfile",
			"ec2:ReplaceIamInstanceProfileAssociation"}, []*string{instances}, tagged),
		statement("AllowEc2RunInstancePerTag", []string{"ec2:RunInstances"}, []*string{volumes, instances}, tagging),
		statement("AllowEc2RunInstanceImagePerTag", []string{"ec2:RunInstances"}, []*string{images},
			map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/Vendor": "Databricks"}}),
		statement("AllowEc2RunInstancePerVPCid", []string{"ec2:RunInstances"}, []*string{enis, subnets, sgs}, inVpc),
		otherResources,
		statement("EC2TerminateInstancesTag", []string{"ec2:TerminateInstances"}, []*string{instances}, tagged),
		statement("EC2AttachDetachVolumeTag", []string{"ec2:AttachVolume", "ec2:DetachVolume"}, []*string{instances, volumes}, tagged),
		statement("EC2CreateVolumeByTag", []string{"ec2:CreateVolume"}, []*string{volumes}, tagging),
		statement("EC2DeleteVolumeByTag", []string{"ec2:DeleteVolume"}, []*string{volumes}, tagged),
		statement("VpcNonresourceSpecificActions", []string{"ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
			"ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"}, []*string{ec2Arn(stack, "security-group", sg.SecurityGroupId())}, inVpc),
		// Spot instances need EC2's service-linked role once per account. Databricks' policy also
		// lists iam:PutRolePolicy here, but under this condition (a key only
		// CreateServiceLinkedRole carries) it can never match, so it is left out.
		statement("CreateSpotServiceLinkedRole", []string{"iam:CreateServiceLinkedRole"},
			[]*string{jsii.String(fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot", *stack.Partition(), *stack.Account()))},
			map[string]any{"StringLike": map[string]any{"iam:AWSServiceName": "spot.amazonaws.com"}}),
	}
}

// suppressCrossAccountWildcards names each wildcard of Databricks' documented policy.
func suppressCrossAccountWildcards(role awsiam.Role, stack awscdk.Stack) {
	prefix := fmt.Sprintf("Resource::arn:%s:ec2:%s:%s:", *stack.Partition(), *stack.Region(), *stack.Account())
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Databricks' documented cross-account policy for a customer-managed VPC: Describe*, fleet, launch-template " +
			"and spot actions support no resource-level permissions; instance, volume and image wildcards are narrowed by the " +
			"Vendor=Databricks tag conditions, and ENI, subnet and security-group wildcards by the ec2:vpc condition on the workspace VPC."),
		AppliesTo: &[]any{"Resource::*", prefix + "instance/*", prefix + "volume/*", prefix + "image/*",
			prefix + "network-interface/*", prefix + "subnet/*", prefix + "security-group/*"},
	}}, jsii.Bool(true))
}

// nagBucketArn is a bucket's ARN as cdk-nag names it in an AppliesTo: another stack's bucket
// by its logical ID there.
func nagBucketArn(bucket awss3.IBucket) string {
	return "<" + *awscdk.Stack_Of(bucket).GetLogicalId(bucket.Node().DefaultChild().(awscdk.CfnElement)) + ".Arn>"
}

// suppressDataAccessWildcards names the wildcards that the bucket grants (bronze's per
// prefix, silver's whole) and per-database table ARNs produce.
func suppressDataAccessWildcards(stack awscdk.Stack, role awsiam.Role, env config.Environment, bronze, silver awss3.IBucket) {
	applies := []any{"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
		"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"}
	for _, prefix := range DataAccessBronzePrefixes(env) {
		applies = append(applies, fmt.Sprintf("Resource::%s/%s*", nagBucketArn(bronze), prefix))
	}
	applies = append(applies, fmt.Sprintf("Resource::%s/*", nagBucketArn(silver)))
	for _, layer := range dataAccessLayers {
		applies = append(applies, "Resource::"+*glueArn(stack, "table", env.DatabaseName(layer)+"/*"))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Clusters read any object under the bronze prefixes the jobs process, read and write any object of silver " +
			"(its tables and the jobs' state; CDK's bucket and key grants), and read any table of the bronze and silver Glue databases."),
		AppliesTo: &applies,
	}}, jsii.Bool(true))
}
