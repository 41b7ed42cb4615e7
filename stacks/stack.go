// Package stacks holds one file per CloudFormation stack of the platform. Each NewXxxStack
// returns a struct whose fields are the handles later stacks consume.
package stacks

import (
	"fmt"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// servicePrincipalFor is an AWS service acting for the environment's account only: the
// source-account condition keeps another account's use of the service from assuming the
// role (confused deputy).
func servicePrincipalFor(env config.Environment, service string) awsiam.IPrincipal {
	return awsiam.NewServicePrincipal(jsii.String(service), nil).WithConditions(&map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": env.Account},
	})
}

// newStack creates a stack with the settings every stack of an environment shares.
func newStack(scope constructs.Construct, id string, env config.Environment, description string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description:           jsii.String(description),
		TerminationProtection: jsii.Bool(env.TerminationProtection),
	})
	pinAvailabilityZones(stack, env)
	return stack
}

// pinAvailabilityZones answers the stack's availability-zone lookup from config. Even with
// explicit AZs, ec2.Vpc reads stack.availabilityZones to cross-check them, which otherwise
// needs AWS credentials at synth. It must run before the stack has children.
func pinAvailabilityZones(stack awscdk.Stack, env config.Environment) {
	key := fmt.Sprintf("availability-zones:account=%s:region=%s", env.Account, env.Region)
	stack.Node().SetContext(jsii.String(key), env.AvailabilityZones)
}

// removalPolicy is the one place where config.Removal becomes a CloudFormation policy.
func removalPolicy(env config.Environment) awscdk.RemovalPolicy {
	if env.Removal == config.RemovalDestroy {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

// snapshotRemovalPolicy is removalPolicy for resources that can leave a final snapshot
// (databases): retained environments keep the snapshot instead of the running resource.
func snapshotRemovalPolicy(env config.Environment) awscdk.RemovalPolicy {
	if env.Removal == config.RemovalDestroy {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_SNAPSHOT
}
