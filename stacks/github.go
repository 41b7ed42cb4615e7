package stacks

import (
	"fmt"
	"strings"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// deploySessionDuration lets one `cdk deploy` run outlive slow resources (MWAA, Multi-AZ RDS):
// the CLI re-assumes the bootstrap roles with the OIDC session, so that session bounds the run.
const deploySessionDuration = 2

// versionCheckActions are what versions.yml calls: describe calls that create nothing, and that
// IAM scopes to no resource type (so their resource is "*"), and the Price List Query API's
// read of public list prices, for the price table of `make cost`.
var versionCheckActions = []string{
	"rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions",
	"dms:DescribeEngineVersions", "dms:DescribeOrderableReplicationInstances",
	"ec2:DescribeManagedPrefixLists",
	// Whether EC2 still offers the Databricks clusters' node type in the workspace's zones.
	"ec2:DescribeInstanceTypeOfferings",
	// Every row of the price table against AWS's list price (go run ./cmd/cost -check-prices).
	"pricing:GetProducts",
}

// Bootstrap roles `cdk bootstrap` creates in each account and region: deploy.yml needs all of
// them, diff.yml only the lookup role, whose ReadOnlyAccess (with kms:Decrypt denied) is what
// `cdk diff --method=template` uses to read the deployed templates.
var (
	deployBootstrapRoles = []string{"deploy", "file-publishing", "image-publishing", "lookup"}
	diffBootstrapRoles   = []string{"lookup"}
)

// The role deploy.yml's smoke step assumes (<prefix>-<env>-github-smoke) and the Airflow role
// its InvokeRestApi calls act as. IAM grants airflow:InvokeRestApi per Airflow role, not per
// DAG. Of MWAA's default roles (Admin, Op, User, Viewer, Public), User is the narrowest that
// may unpause a DAG and trigger a run: Viewer only reads. User may also edit, clear, mark and
// delete the runs and task instances of every DAG, and pause or delete any DAG; it cannot read
// or change connections, variables, pools or the configuration, which Op can
// (docs/operations.md, "Triggering the smoke run").
const (
	gitHubSmokeRole  = "smoke"
	smokeAirflowRole = "User"
	// smokeSessionDuration outlasts smoke.sh's default wait for the run (SMOKE_TIMEOUT, 1 hour).
	smokeSessionDuration = 2
)

// addGitHubAccess creates the account's GitHub OIDC provider and, per environment, the role
// deploy.yml assumes and the read-only role diff.yml assumes. Neither role can change anything
// itself: each may only assume CDK bootstrap roles of its environment's account and region.
// Beside them, per environment, the version-check role and the smoke role, each allowed only
// its own calls.
func (s *AccountStack) addGitHubAccess(envs []config.Environment) {
	// OidcProviderNative is the plain AWS::IAM::OIDCProvider: no custom resource, no Lambda.
	// Without thumbprints IAM trusts the issuer's certificate through its own CA store.
	s.GitHubOidcProvider = awsiam.NewOidcProviderNative(s.Stack, jsii.String("GitHubOidcProvider"), &awsiam.OidcProviderNativeProps{
		Url:       jsii.String("https://" + config.GitHubOIDCIssuer),
		ClientIds: jsii.Strings(config.GitHubOIDCAudience),
	})
	s.GitHubDeployRoles = map[string]awsiam.Role{}
	s.GitHubDiffRoles = map[string]awsiam.Role{}
	s.GitHubVersionCheckRoles = map[string]awsiam.Role{}
	for _, env := range envs {
		s.GitHubDeployRoles[env.Name] = s.gitHubRole(env, config.GitHubDeployRole, env.GitHub.EnvironmentSubject(env.Name),
			deployBootstrapRoles, deploySessionDuration,
			"Assumed by deploy.yml in GitHub environment "+env.Name+" to run cdk deploy",
			"variable AWS_DEPLOY_ROLE_ARN of GitHub environment "+env.Name)
		diffBy := "on pull requests"
		if env.GitHub.ReviewedDiffs {
			diffBy = "in GitHub environment " + env.DiffEnvironment() + ", after a reviewer approves,"
		}
		s.GitHubDiffRoles[env.Name] = s.gitHubRole(env, config.GitHubDiffRole, env.DiffSubject(),
			diffBootstrapRoles, 1,
			"Assumed by diff.yml "+diffBy+" to run a read-only cdk diff of "+env.Name,
			"repository variable AWS_DIFF_ROLE_ARN_"+strings.ToUpper(env.Name))
		s.GitHubVersionCheckRoles[env.Name] = s.versionCheckRole(env)
		// The smoke role only calls MWAA (or its relay): none where MWAA is off.
		if env.Airflow.Enabled() {
			s.smokeRole(env)
		}
	}
}

// smokeRole is the role deploy.yml's smoke step assumes after a deploy, trusted for the same
// subject as the deploy role (the job that declares the GitHub environment). Where the
// webserver is public it may call airflow:InvokeRestApi as the environment's Airflow User role,
// and nothing else. Where it is PRIVATE_ONLY, InvokeRestApi from the runner is refused (MWAA
// user guide, "Using the Apache Airflow REST API"), so the role may only invoke the
// environment's Airflow REST API relay (stacks/airflow_relay.go), which allows the
// platform_smoke calls alone: narrower than InvokeRestApi as User, which it does not keep. The
// relay's ARN is written from its fixed name, because this role lives in the account stage.
// A role of its own, not a grant on the deploy role: the deploy role stays limited to the
// bootstrap roles, and the smoke starts on a fresh session after a deploy that may have used
// most of the deploy role's.
func (s *AccountStack) smokeRole(env config.Environment) awsiam.Role {
	id := "GitHub" + title(env.Name) + "SmokeRole"
	policy, description := "InvokeAirflowRestApi", "Assumed by deploy.yml in GitHub environment "+env.Name+" to trigger the platform_smoke DAG and wait for its run through MWAA's InvokeRestApi, as Airflow role "+smokeAirflowRole
	statement := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("airflow:InvokeRestApi"),
		Resources: jsii.Strings(airflowRoleArn(env, smokeAirflowRole)),
	})
	if env.Airflow.WebserverAccessMode == config.WebserverPrivateOnly {
		policy, description = "InvokeAirflowRelay", "Assumed by deploy.yml in GitHub environment "+env.Name+" to trigger the platform_smoke DAG and wait for its run through the Airflow REST API relay "+env.AirflowRelayFunctionName()+" (PRIVATE_ONLY webserver)"
		statement = awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: jsii.Strings(relayFunctionArn(env)),
		})
	}
	role := awsiam.NewRole(s.Stack, jsii.String(id), &awsiam.RoleProps{
		RoleName: jsii.String(env.GitHubRoleName(gitHubSmokeRole)),
		AssumedBy: awsiam.NewOpenIdConnectPrincipal(s.GitHubOidcProvider, &map[string]any{
			"StringEquals": map[string]any{
				config.GitHubOIDCIssuer + ":aud": config.GitHubOIDCAudience,
				config.GitHubOIDCIssuer + ":sub": env.GitHub.EnvironmentSubject(env.Name),
			},
		}),
		Description:        jsii.String(description),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(smokeSessionDuration)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			policy: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{statement},
			}),
		},
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String(id+"Arn"), &awscdk.CfnOutputProps{
		Value:       role.RoleArn(),
		Description: jsii.String("Set as the variable AWS_SMOKE_ROLE_ARN of GitHub environment " + env.Name + " (docs/operations.md)"),
	})
	return role
}

// airflowRoleArn is the IAM resource of one Airflow role of the environment's MWAA environment,
// what airflow:InvokeRestApi is granted on: arn:<partition>:airflow:<region>:<account>:role/<environment>/<airflow-role>
// (the Service Authorization Reference's rbac-role resource type).
func airflowRoleArn(env config.Environment, airflowRole string) string {
	return fmt.Sprintf("arn:%s:airflow:%s:%s:role/%s/%s", partitionOf(env), env.Region, env.Account, env.AirflowEnvironmentName(), airflowRole)
}

// relayFunctionArn is the environment's Airflow REST API relay function, from its fixed name:
// arn:<partition>:lambda:<region>:<account>:function:<prefix>-<env>-airflow-relay.
func relayFunctionArn(env config.Environment) string {
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partitionOf(env), env.Region, env.Account, env.AirflowRelayFunctionName())
}

// versionCheckRole is the role versions.yml assumes weekly, in the GitHub environment
// version-check (default branch only): it may call versionCheckActions and nothing else.
func (s *AccountStack) versionCheckRole(env config.Environment) awsiam.Role {
	id := "GitHub" + title(env.Name) + "VersionCheckRole"
	role := awsiam.NewRole(s.Stack, jsii.String(id), &awsiam.RoleProps{
		RoleName: jsii.String(env.GitHubRoleName(config.GitHubVersionCheckRole)),
		AssumedBy: awsiam.NewOpenIdConnectPrincipal(s.GitHubOidcProvider, &map[string]any{
			"StringEquals": map[string]any{
				config.GitHubOIDCIssuer + ":aud": config.GitHubOIDCAudience,
				config.GitHubOIDCIssuer + ":sub": env.GitHub.EnvironmentSubject(config.VersionCheckEnvironment),
			},
		}),
		Description:        jsii.String("Assumed weekly by versions.yml in GitHub environment " + config.VersionCheckEnvironment + " to check that " + env.Name + "'s engine versions, classes and node type can be created and its S3 prefix list is the region's"),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"DescribeVersionsAndClasses": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings(versionCheckActions...),
					Resources: jsii.Strings("*"),
				})},
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("RDS's and DMS's describe calls for engine versions and orderable classes, and EC2's for managed prefix lists and instance type offerings, have no resource type in IAM, nor has the Price List's GetProducts (public list prices): * is their only resource. The role may call nothing else."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(false))
	awscdk.NewCfnOutput(s.Stack, jsii.String(id+"Arn"), &awscdk.CfnOutputProps{
		Value:       role.RoleArn(),
		Description: jsii.String("Set as the repository variable AWS_VERSION_CHECK_ROLE_ARN_" + strings.ToUpper(env.Name) + " (docs/cicd.md)"),
	})
	return role
}

// gitHubRole creates one role trusted only by GitHub tokens whose subject equals subject
// exactly, allowed only to assume the named bootstrap roles, and outputs its ARN for the
// GitHub variable the workflow reads.
func (s *AccountStack) gitHubRole(env config.Environment, kind, subject string, bootstrapRoles []string, sessionHours float64, description, variable string) awsiam.Role {
	id := "GitHub" + title(env.Name) + title(kind) + "Role"
	principal := awsiam.NewOpenIdConnectPrincipal(s.GitHubOidcProvider, &map[string]any{
		// StringEquals, never StringLike: the subject names one repository and one
		// environment (or pull requests), and the config cannot contain wildcards.
		"StringEquals": map[string]any{
			config.GitHubOIDCIssuer + ":aud": config.GitHubOIDCAudience,
			config.GitHubOIDCIssuer + ":sub": subject,
		},
	})
	role := awsiam.NewRole(s.Stack, jsii.String(id), &awsiam.RoleProps{
		RoleName:           jsii.String(env.GitHubRoleName(kind)),
		AssumedBy:          principal,
		Description:        jsii.String(description),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(sessionHours)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"AssumeCdkBootstrapRoles": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					// sts:TagSession is not needed: the CDK CLI tags sessions only when a
					// synthesizer sets assumeRoleAdditionalOptions, and ours does not.
					Actions:   jsii.Strings("sts:AssumeRole"),
					Resources: bootstrapRoleArns(env, bootstrapRoles),
				})},
			}),
		},
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String(id+"Arn"), &awscdk.CfnOutputProps{
		Value:       role.RoleArn(),
		Description: jsii.String("Set as the " + variable + " (README, CI/CD)"),
	})
	return role
}

// bootstrapRoleArns are the ARNs of the CDK bootstrap roles of the environment's account and
// region with the default qualifier, written out in full so no policy needs a wildcard.
func bootstrapRoleArns(env config.Environment, roles []string) *[]*string {
	partition := partitionOf(env)
	qualifier := *awscdk.DefaultStackSynthesizer_DEFAULT_QUALIFIER()
	var arns []*string
	for _, r := range roles {
		arns = append(arns, jsii.String(fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-%s-role-%s-%s",
			partition, env.Account, qualifier, r, env.Account, env.Region)))
	}
	return &arns
}

// partitionOf is the partition of the environment's region. Config only admits region codes;
// CDK's region table names the partition of every known region (aws-cn, aws-us-gov, ...), and
// new commercial regions are "aws".
func partitionOf(env config.Environment) string {
	if p := regioninfo.RegionInfo_Get(jsii.String(env.Region)).Partition(); p != nil {
		return *p
	}
	return "aws"
}

// title upper-cases the first letter, for construct IDs built from lowercase names.
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
