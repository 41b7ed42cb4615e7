package stacks

import (
	"fmt"

	"dataplatform/config"
	"dataplatform/constructs/logs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The Airflow REST API relay: how smoke.sh reaches an MWAA environment whose webserver is
// PRIVATE_ONLY. MWAA's user guide ("Using the Apache Airflow REST API", granting access) says
// that with a private webserver InvokeRestApi cannot be called from outside the VPC, and a
// GitHub-hosted runner is outside. InvokeRestApi is served by env.airflow.<region>.amazonaws.com
// (MWAA API reference, "Endpoints"), whose PrivateLink service is
// com.amazonaws.<region>.airflow.env (MWAA user guide, "AWS PrivateLink for Amazon MWAA"; CDK's
// InterfaceVpcEndpointAwsService.AIRFLOW_ENV). So where the webserver is PRIVATE_ONLY the stack
// adds, in MWAA's own two private subnets:
//
//   - a Lambda function (airflow/relay/airflow_relay.py) that smoke.sh invokes with
//     {"method", "path", "body", "query"}, and that calls InvokeRestApi as the Airflow role User
//     for the platform_smoke paths it allows, nothing else;
//   - an interface endpoint for com.amazonaws.<region>.airflow.env with private DNS, which the
//     function's calls resolve to. Private DNS sends every call to that name in the VPC through
//     the endpoint, so its group admits MWAA's group too, not only the relay's.
//
// A PUBLIC_ONLY environment gets neither: smoke.sh calls InvokeRestApi from the runner.

// Relay sizing: one smoke run makes one call at a time, each cut off by MWAA after 10 seconds.
const (
	relayTimeoutSeconds     = 15
	relayReservedConcurrent = 2
	relayMemoryMB           = 128
	relayHandler            = "airflow_relay.handler"
	relayCodeDir            = "airflow/relay"
)

// newAirflowRelay adds the relay and the airflow.env endpoint to the Airflow stack where the
// environment's webserver is PRIVATE_ONLY, and does nothing otherwise. mwaa is MWAA's security
// group, admitted to the endpoint; key encrypts the relay's log group (the Airflow key, which
// CloudWatch Logs may use).
func newAirflowRelay(stack awscdk.Stack, env config.Environment, vpc awsec2.IVpc, mwaa awsec2.ISecurityGroup, key awskms.IKey) awslambda.Function {
	if env.Airflow.WebserverAccessMode != config.WebserverPrivateOnly {
		return nil
	}
	subnets := &awsec2.SubnetSelection{
		SubnetGroupName:   jsii.String(PrivateSubnets),
		AvailabilityZones: jsii.Strings(env.AvailabilityZones[:2]...),
	}
	endpointGroup := awsec2.NewSecurityGroup(stack, jsii.String("AirflowEnvEndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("MWAA env.airflow interface endpoint: HTTPS from the Airflow REST API relay and from MWAA"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpoint := awsec2.NewInterfaceVpcEndpoint(stack, jsii.String("AirflowEnvEndpoint"), &awsec2.InterfaceVpcEndpointProps{
		Vpc:               vpc,
		Service:           awsec2.InterfaceVpcEndpointAwsService_AIRFLOW_ENV(),
		PrivateDnsEnabled: jsii.Bool(true),
		SecurityGroups:    &[]awsec2.ISecurityGroup{endpointGroup},
		Subnets:           subnets,
		Open:              jsii.Bool(false),
	})
	relayGroup := awsec2.NewSecurityGroup(stack, jsii.String("AirflowRelaySecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Airflow REST API relay: HTTPS to the env.airflow endpoint only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	relayGroup.Connections().AllowTo(endpoint, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("Airflow REST API relay to InvokeRestApi"))
	mwaa.Connections().AllowTo(endpoint, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("MWAA to env.airflow (private DNS sends every caller in the VPC here)"))

	logGroup := logs.NewGroup(stack, "AirflowRelayLogs", &logs.GroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + env.AirflowRelayFunctionName()),
		Key:           key,
		RetentionDays: env.Network.FlowLogRetentionDays,
		RemovalPolicy: removalPolicy(env),
	})
	role := relayRole(stack, env, vpc, subnets, relayGroup, logGroup.LogGroupArn())
	fn := awslambda.NewFunction(stack, jsii.String("AirflowRelay"), &awslambda.FunctionProps{
		FunctionName: jsii.String(env.AirflowRelayFunctionName()),
		Description:  jsii.String("Relays platform_smoke's Airflow REST API calls to " + env.AirflowEnvironmentName() + " (PRIVATE_ONLY webserver) through InvokeRestApi, as Airflow role " + smokeAirflowRole),
		Runtime:      awslambda.Runtime_PYTHON_3_12(),
		Handler:      jsii.String(relayHandler),
		Code: awslambda.Code_FromAsset(jsii.String(repoDir(relayCodeDir)), &awss3assets.AssetOptions{
			Exclude: jsii.Strings("__pycache__", "*.pyc"),
		}),
		Role:                         role,
		Vpc:                          vpc,
		VpcSubnets:                   subnets,
		SecurityGroups:               &[]awsec2.ISecurityGroup{relayGroup},
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(relayTimeoutSeconds)),
		MemorySize:                   jsii.Number(relayMemoryMB),
		ReservedConcurrentExecutions: jsii.Number(relayReservedConcurrent),
		LogGroup:                     logGroup,
		Environment:                  &map[string]*string{"AIRFLOW_ENVIRONMENT": jsii.String(env.AirflowEnvironmentName())},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-L1"),
		Reason: jsii.String("The relay runs on Python 3.12, whose runtime boto3 has InvokeRestApi; a newer runtime is a reviewed change, with the relay's tests (dags/tests/test_relay.py)."),
	}}, jsii.Bool(false))
	return fn
}

// relayRole may call InvokeRestApi as the Airflow role User of this environment and nothing
// else in Airflow, write its own log group, and manage the network interfaces Lambda puts in
// the relay's subnets with its group. The last is what AWSLambdaVPCAccessExecutionRole grants
// on "*" (Lambda developer guide, "Giving Lambda functions access to resources in an Amazon
// VPC"), written out here: interfaces only in this VPC, created only in these subnets with this
// group. The describe calls have no resource type in IAM.
func relayRole(stack awscdk.Stack, env config.Environment, vpc awsec2.IVpc, subnets *awsec2.SubnetSelection, group awsec2.ISecurityGroup, logGroupArn *string) awsiam.Role {
	ec2Arn := func(resource string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", partitionOf(env), env.Region, env.Account, resource)
	}
	interfaces := ec2Arn("network-interface/*")
	createOn := []*string{jsii.String(interfaces), jsii.String(ec2Arn("security-group/") + *group.SecurityGroupId())}
	for _, id := range *vpc.SelectSubnets(subnets).SubnetIds {
		createOn = append(createOn, jsii.String(ec2Arn("subnet/")+*id))
	}
	inVpc := &map[string]any{"ArnEquals": map[string]any{"ec2:Vpc": ec2Arn("vpc/") + *vpc.VpcId()}}
	role := awsiam.NewRole(stack, jsii.String("AirflowRelayRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Airflow REST API relay of " + env.AirflowEnvironmentName() + ": InvokeRestApi as Airflow role " + smokeAirflowRole),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"InvokeAirflowRestApi": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("airflow:InvokeRestApi"),
					Resources: jsii.Strings(airflowRoleArn(env, smokeAirflowRole)),
				})},
			}),
			"WriteOwnLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
					Resources: &[]*string{logGroupArn},
				})},
			}),
			"ManageVpcNetworkInterfaces": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Actions:   jsii.Strings("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"),
						Resources: jsii.Strings("*"),
					}),
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Actions:   jsii.Strings("ec2:CreateNetworkInterface"),
						Resources: &createOn,
					}),
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Actions:    jsii.Strings("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
						Resources:  jsii.Strings(interfaces),
						Conditions: inVpc,
					}),
				},
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Lambda's VPC network interfaces, written out instead of AWSLambdaVPCAccessExecutionRole's \"*\": " +
			"ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource type (\"*\" only); the interfaces' IDs are Lambda's, " +
			"unknown before it creates them (network-interface/*), created only in the relay's subnets with its group, and deleted or " +
			"re-addressed only in this VPC (ec2:Vpc)."),
		AppliesTo: &[]any{"Resource::*", "Resource::" + interfaces},
	}}, jsii.Bool(false))
	return role
}
