package stacks

import (
	"fmt"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbudgets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

// budgetsPrincipal is the service that publishes a budget's alerts.
const budgetsPrincipal = "budgets.amazonaws.com"

// monthlyBudget creates the environment's monthly cost budget (config's Budget), whose actual
// and forecast alerts go to the alert topic, and opens the topic's two doors to AWS Budgets:
// the topic policy and the key policy. sharesAccount is whether other environments deploy to
// env's account: the budget then counts only the costs tagged with env's environment tag,
// or it would count theirs too.
//
// aws-cdk-lib has no L2 construct for AWS Budgets (only the generated CfnBudget), so this is
// the L1 resource, AWS::Budgets::Budget.
func monthlyBudget(stack awscdk.Stack, env config.Environment, key awskms.Key, topic awssns.Topic, sharesAccount bool) awsbudgets.CfnBudget {
	// AWS Budgets' documented topic statement ("Creating an Amazon SNS topic for budget
	// notifications", https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html):
	// SNS:Publish for budgets.amazonaws.com, on this account's budgets only. Budgets supports no
	// cross-account topic, and the ARN of a budget carries no region (arn:aws:budgets::<account>:budget/<name>).
	conditions := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": env.Account},
		"ArnLike":      map[string]any{"aws:SourceArn": budgetArns(stack, env)},
	}
	result := topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowBudgetsOfThisAccountToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(budgetsPrincipal), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &conditions,
	}))
	// The topic is encrypted: SNS encrypts what Budgets publishes with the topic's key, on
	// Budgets' behalf, so the key must admit Budgets for a data key (SNS's "Configuring AWS KMS
	// permissions" for AWS services publishing to an encrypted topic,
	// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), under the same scope.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowBudgetsOfThisAccountToPublishToTheAlertTopic"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(budgetsPrincipal), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &conditions,
	}), nil)

	data := &awsbudgets.CfnBudget_BudgetDataProperty{
		BudgetName:  jsii.String(env.BudgetName()),
		BudgetType:  jsii.String("COST"),
		TimeUnit:    jsii.String("MONTHLY"),
		BudgetLimit: &awsbudgets.CfnBudget_SpendProperty{Amount: jsii.Number(float64(env.Budget.MonthlyUSD)), Unit: jsii.String("USD")},
	}
	if sharesAccount {
		// FilterExpression (AWS::Budgets::Budget BudgetData, an Expression of TagValues) rather
		// than the older CostFilters map. A user-defined cost allocation tag is named with the
		// "user:" prefix (config.BudgetFilterTagKey), and counts only once activated
		// (docs/costs-and-limits.md#budgets).
		data.FilterExpression = &awsbudgets.CfnBudget_ExpressionProperty{
			Tags: &awsbudgets.CfnBudget_TagValuesProperty{
				Key:          jsii.String(config.BudgetFilterTagKey),
				Values:       jsii.Strings(env.Tags[config.EnvironmentTag]),
				MatchOptions: jsii.Strings("EQUALS"),
			},
		}
	}
	var notifications []any
	for _, n := range []struct {
		kind     string
		percents []int
	}{{"ACTUAL", env.Budget.ActualPercents}, {"FORECASTED", env.Budget.ForecastPercents}} {
		for _, percent := range n.percents {
			notifications = append(notifications, &awsbudgets.CfnBudget_NotificationWithSubscribersProperty{
				Notification: &awsbudgets.CfnBudget_NotificationProperty{
					NotificationType:   jsii.String(n.kind),
					ComparisonOperator: jsii.String("GREATER_THAN"),
					Threshold:          jsii.Number(float64(percent)),
					ThresholdType:      jsii.String("PERCENTAGE"),
				},
				Subscribers: []any{&awsbudgets.CfnBudget_SubscriberProperty{SubscriptionType: jsii.String("SNS"), Address: topic.TopicArn()}},
			})
		}
	}
	budget := awsbudgets.NewCfnBudget(stack, jsii.String("MonthlyCostBudget"), &awsbudgets.CfnBudgetProps{
		Budget:                       data,
		NotificationsWithSubscribers: notifications,
	})
	// Budgets checks that it may publish to the topic when the budget is created: the topic
	// policy first.
	if policy := result.PolicyDependable; policy != nil {
		budget.Node().AddDependency(policy)
	}
	return budget
}

// budgetArns covers every budget of the environment's account, as AWS Budgets' documented
// statement does: a budget's ARN has no region.
func budgetArns(stack awscdk.Stack, env config.Environment) string {
	return fmt.Sprintf("arn:%s:budgets::%s:*", *stack.Partition(), env.Account)
}
