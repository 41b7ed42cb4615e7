package test

import (
	"fmt"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantNotifications are the budget's notifications config asks for: one per actual and per
// forecast percentage, each to the alert topic.
func wantNotifications(env config.Environment, topicID string) []any {
	var out []any
	for _, n := range []struct {
		kind     string
		percents []int
	}{{"ACTUAL", env.Budget.ActualPercents}, {"FORECASTED", env.Budget.ForecastPercents}} {
		for _, percent := range n.percents {
			out = append(out, map[string]any{
				"Notification": map[string]any{"NotificationType": n.kind, "ComparisonOperator": "GREATER_THAN",
					"Threshold": float64(percent), "ThresholdType": "PERCENTAGE"},
				"Subscribers": []any{map[string]any{"SubscriptionType": "SNS", "Address": ref(topicID)}},
			})
		}
	}
	return out
}

// budgetOf is the environment's one budget, in its Monitoring stack.
func budgetOf(t *testing.T, p *stacks.Platform) resource {
	t.Helper()
	id, budget := only(t, resourcesOf(t, p.Monitoring.Stack, "AWS::Budgets::Budget"))
	assert.Equal(t, logicalID(t, p.Monitoring.Budget), id)
	return budget
}

// TestEveryEnvironmentHasItsMonthlyBudget: a monthly COST budget of config's amount, alerting
// the environment's topic at each actual and forecast percentage of config. Every committed
// environment has an account of its own, so its budget counts the whole account: no filter.
func TestEveryEnvironmentHasItsMonthlyBudget(t *testing.T) {
	envs := config.All()
	require.Len(t, suite.platforms, len(envs))
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			require.Empty(t, p.Env.AccountPeers(envs), "a committed environment shares its account")
			budget := budgetOf(t, p)
			data := budget.Properties["Budget"].(map[string]any)
			assert.Equal(t, p.Env.BudgetName(), data["BudgetName"])
			assert.Equal(t, "COST", data["BudgetType"])
			assert.Equal(t, "MONTHLY", data["TimeUnit"])
			assert.Equal(t, map[string]any{"Amount": float64(p.Env.Budget.MonthlyUSD), "Unit": "USD"}, data["BudgetLimit"])
			assert.NotContains(t, data, "FilterExpression", "an account of its own: the budget counts all of it")
			assert.NotContains(t, data, "CostFilters")

			topicID := logicalID(t, p.Monitoring.Topic)
			assert.Equal(t, wantNotifications(p.Env, topicID), budget.Properties["NotificationsWithSubscribers"])
			// Budgets checks its access to the topic when the budget is created: policy first.
			policyID, _ := only(t, resourcesOf(t, p.Monitoring.Stack, "AWS::SNS::TopicPolicy"))
			assert.Contains(t, list(budget.DependsOn), policyID)
		})
	}
}

// budgetsConditions is the scope of both doors: this account's budgets only.
func budgetsConditions(env config.Environment) map[string]any {
	return map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": env.Account},
		"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:aws:budgets::%s:*", env.Account)},
	}
}

// TestBudgetsMayPublishToTheAlertTopic: the topic policy admits budgets.amazonaws.com to
// publish, and the topic's key lets it use the key, both only for the account's budgets (AWS
// Budgets' documented statement). TestEveryPublisherMayWriteToItsTarget checks the edge.
func TestBudgetsMayPublishToTheAlertTopic(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Monitoring.Stack
			topicID, keyID := logicalID(t, p.Monitoring.Topic), logicalID(t, p.Monitoring.Key)
			_, policy := only(t, resourcesOf(t, stack, "AWS::SNS::TopicPolicy"))
			var topicStatements []map[string]any
			for _, s := range documentStatements(policy.Properties["PolicyDocument"]) {
				if jsonText(s["Principal"]) == jsonText(service("budgets.amazonaws.com")) {
					topicStatements = append(topicStatements, s)
				}
			}
			assert.Equal(t, []map[string]any{{
				"Sid": "AllowBudgetsOfThisAccountToPublish", "Effect": "Allow", "Principal": service("budgets.amazonaws.com"),
				"Action": "sns:Publish", "Resource": ref(topicID), "Condition": budgetsConditions(p.Env),
			}}, topicStatements)

			key := resourcesOf(t, stack, "AWS::KMS::Key")[keyID]
			var keyStatements []map[string]any
			for _, s := range documentStatements(key.Properties["KeyPolicy"]) {
				if jsonText(s["Principal"]) == jsonText(service("budgets.amazonaws.com")) {
					keyStatements = append(keyStatements, s)
				}
			}
			assert.Equal(t, []map[string]any{{
				"Sid": "AllowBudgetsOfThisAccountToPublishToTheAlertTopic", "Effect": "Allow", "Principal": service("budgets.amazonaws.com"),
				"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*", "Condition": budgetsConditions(p.Env),
			}}, keyStatements)
		})
	}
}

// TestSharedAccountBudgetCountsItsEnvironmentOnly: where two environments deploy to one account
// (staging moved into develop's here), each budget counts only the costs tagged with its
// environment's tag, user:environment as AWS Budgets names a user-defined cost allocation tag;
// amount and alerts are as in an account of its own.
func TestSharedAccountBudgetCountsItsEnvironmentOnly(t *testing.T) {
	p := buildOne(t, "staging", func(e *config.Environment) { e.Account = config.All()[0].Account })
	require.Equal(t, config.All()[0].Account, p.Env.Account)
	budget := budgetOf(t, p)
	data := budget.Properties["Budget"].(map[string]any)
	assert.Equal(t, map[string]any{"Tags": map[string]any{
		"Key": "user:environment", "Values": []any{"staging"}, "MatchOptions": []any{"EQUALS"},
	}}, data["FilterExpression"])
	assert.NotContains(t, data, "CostFilters", "FilterExpression, not the older CostFilters")
	assert.Equal(t, map[string]any{"Amount": float64(p.Env.Budget.MonthlyUSD), "Unit": "USD"}, data["BudgetLimit"])
	assert.Equal(t, wantNotifications(p.Env, logicalID(t, p.Monitoring.Topic)), budget.Properties["NotificationsWithSubscribers"])
	assert.Equal(t, "staging", p.Env.Tags[config.EnvironmentTag], "the filter's value is the stage's tag on every resource")
}
