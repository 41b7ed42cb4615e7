// Package logs makes CloudWatch Logs groups encrypted with a customer-managed KMS key, the
// way every stack of the platform keeps its logs.
package logs

import (
	"dataplatform/constructs/removal"

	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// KeyProps configures NewKey.
type KeyProps struct {
	// Alias names the key, without the "alias/" prefix.
	Alias string
	// Description defaults to saying the key encrypts log groups; set it when the key
	// encrypts more than logs (the Airflow key also encrypts MWAA's bucket, queue and secret).
	Description string
	// RemovalPolicy defaults to RETAIN: logs encrypted with a deleted key are lost.
	RemovalPolicy awscdk.RemovalPolicy
}

// NewKey creates a rotating KMS key that CloudWatch Logs of this stack's account and region
// may use, and only for log groups of that account (the encryption-context condition).
func NewKey(scope constructs.Construct, id string, props *KeyProps) awskms.Key {
	description := props.Description
	if description == "" {
		description = "Encrypts the CloudWatch Logs groups of " + props.Alias
	}
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Alias:             jsii.String(props.Alias),
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal.OrRetain(props.RemovalPolicy),
	})
	stack := awscdk.Stack_Of(scope)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account()),
		}},
	}), nil)
	return key
}

// GroupProps configures NewGroup.
type GroupProps struct {
	// LogGroupName is optional; CloudFormation generates one when nil.
	LogGroupName *string
	// Key encrypts the group; it must allow CloudWatch Logs (see NewKey).
	Key awskms.IKey
	// RetentionDays must be one of config.LogRetentionDays.
	RetentionDays int
	// RemovalPolicy defaults to RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// NewGroup creates a KMS-encrypted log group with a finite retention.
func NewGroup(scope constructs.Construct, id string, props *GroupProps) awslogs.LogGroup {
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		LogGroupName:  props.LogGroupName,
		EncryptionKey: props.Key,
		Retention:     Retention(props.RetentionDays),
		RemovalPolicy: removal.OrRetain(props.RemovalPolicy),
	})
}

// retentions maps days to the CDK enum; its keys are config.LogRetentionDays (a test checks it).
var retentions = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// Retention converts a validated number of days to the CDK enum. It panics on a value that
// config validation should have refused, as CDK constructs do on invalid props.
func Retention(days int) awslogs.RetentionDays {
	r, ok := retentions[days]
	if !ok {
		panic(fmt.Sprintf("logs: %d is not a CloudWatch Logs retention period", days))
	}
	return r
}
