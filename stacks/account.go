package stacks

import (
	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AccountStackProps configures NewAccountStack.
type AccountStackProps struct {
	// Account is the AWS account ID.
	Account string
	// Envs are the environments deployed to this account (at least one).
	Envs []config.Environment
}

// AccountStack holds what must exist exactly once per AWS account, however many environments
// share it. It lives in its own stage, account-<id>, deployed before the environments' stages.
type AccountStack struct {
	awscdk.Stack
	// DmsVpcRole is the account-wide role DMS uses to manage its network interfaces.
	DmsVpcRole awsiam.Role
	// DmsCloudWatchLogsRole is the account-wide role DMS uses to write task logs.
	DmsCloudWatchLogsRole awsiam.Role
	// GitHubOidcProvider lets GitHub Actions exchange its OIDC token for AWS credentials.
	GitHubOidcProvider awsiam.OidcProviderNative
	// GitHubDeployRoles are the roles deploy.yml assumes, by environment name.
	GitHubDeployRoles map[string]awsiam.Role
	// GitHubDiffRoles are the read-only roles diff.yml assumes on pull requests, by environment name.
	GitHubDiffRoles map[string]awsiam.Role
	// GitHubVersionCheckRoles are the describe-only roles versions.yml assumes weekly, by
	// environment name.
	GitHubVersionCheckRoles map[string]awsiam.Role
}

// DMS looks these roles up by name: they cannot be renamed or created twice in an account.
const (
	DmsVpcRoleName            = "dms-vpc-role"
	DmsCloudWatchLogsRoleName = "dms-cloudwatch-logs-role"
)

// DmsRolesExport is the account stack's export that every Cdc stack imports. CDK cannot order
// stacks of different stages; the import makes CloudFormation do it: a Cdc stack cannot be
// created before the account stack exists, and the roles cannot go while one uses them.
const DmsRolesExport = "dms-vpc-role-arn"

// NewAccountStack creates the account-wide resources.
func NewAccountStack(scope constructs.Construct, id string, props *AccountStackProps) *AccountStack {
	protected := false
	for _, env := range props.Envs {
		protected = protected || env.TerminationProtection
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description:           jsii.String("Account-wide roles of the data platform in account " + props.Account),
		TerminationProtection: jsii.Bool(protected),
	})
	s := &AccountStack{
		Stack:                 stack,
		DmsVpcRole:            dmsServiceRole(stack, "DmsVpcRole", DmsVpcRoleName, "service-role/AmazonDMSVPCManagementRole"),
		DmsCloudWatchLogsRole: dmsServiceRole(stack, "DmsCloudWatchLogsRole", DmsCloudWatchLogsRoleName, "service-role/AmazonDMSCloudWatchLogsRole"),
	}
	// CloudFormation publishes an export when the whole stack is created: both roles exist.
	awscdk.NewCfnOutput(stack, jsii.String("DmsVpcRoleArn"), &awscdk.CfnOutputProps{
		Value:       s.DmsVpcRole.RoleArn(),
		ExportName:  jsii.String(DmsRolesExport),
		Description: jsii.String("Imported by every Cdc stack of the account, which therefore deploys only after this stack"),
	})
	s.addGitHubAccess(props.Envs)
	return s
}

// dmsServiceRole creates one of the roles DMS expects by exact name, with the AWS managed
// policy AWS documents for it.
func dmsServiceRole(stack awscdk.Stack, id, name, managedPolicy string) awsiam.Role {
	role := awsiam.NewRole(stack, jsii.String(id), &awsiam.RoleProps{
		RoleName:        jsii.String(name),
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("dms.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(managedPolicy))},
		Description:     jsii.String("Account-wide service role that AWS DMS looks up by name"),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("DMS requires this exact role with the AWS managed policy " + managedPolicy + "; AWS maintains its narrow permission set."),
	}}, jsii.Bool(true))
	return role
}
