// Package removal decides what a construct of the platform does with its resources when
// removal is left unset: keep them. Every construct in constructs/ defaults through it.
package removal

import "github.com/aws/aws-cdk-go/awscdk/v2"

// OrRetain is p, or RETAIN where p is unset: a stateful resource is kept unless the caller
// (the environment's config, through stacks.removalPolicy) says destroy.
func OrRetain(p awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if p == "" {
		return awscdk.RemovalPolicy_RETAIN
	}
	return p
}
