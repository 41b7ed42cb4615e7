// Package alarms is how every stack of the platform raises an alert. There are two kinds, and
// both end on the environment's one SNS topic:
//
//   - New: a CloudWatch metric alarm (errors counted per period, latency, lag). It notifies the
//     topic when it fires AND when it recovers, so whoever was paged also learns it is over.
//   - OnEvent: an EventBridge rule for failures that AWS reports as events rather than metrics
//     (a DMS replication task failing, a Glue crawler ending in Failed). It forwards the event.
//
// The helpers take every decision that, left to each call site, would silently lose alerts:
// the topic is mandatory, the comparison defaults to ">= threshold", and what to do with
// missing data is explicit (see Props.MissingData). Thresholds come from config, never from
// the call site. The stack that owns the topic (stacks.MonitoringStack) also owns the dashboard
// and is the only caller today; any stack that gets the topic handle may call them too.
package alarms

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Props configures New. Name, Metric, Threshold, EvaluationPeriods and Topic are required.
type Props struct {
	// Name is the alarm's name (config.Environment.AlarmName); it is the alert email's subject.
	Name string
	// Metric is what is watched, with its statistic and period already set.
	Metric awscloudwatch.IMetric
	// Threshold is compared with the metric (from config).
	Threshold float64
	// EvaluationPeriods is how many consecutive periods must breach (from config).
	EvaluationPeriods int
	// Comparison defaults to GREATER_THAN_OR_EQUAL_TO_THRESHOLD, right for error counts.
	Comparison awscloudwatch.ComparisonOperator
	// MissingData defaults to NOT_BREACHING: AWS publishes error-count metrics (S3 5xx, NAT
	// port allocation errors) only when there is something to count, so no data means healthy.
	// Pass TreatMissingData_BREACHING for a metric that must keep arriving (a heartbeat, a
	// delivery-success count), where silence is the failure.
	MissingData awscloudwatch.TreatMissingData
	// Description tells the reader of the alert what broke and where to look first.
	Description string
	// Topic receives the alarm and its recovery.
	Topic awssns.ITopic
}

// New creates a metric alarm that notifies Topic when it fires and when it recovers.
func New(scope constructs.Construct, id string, props *Props) awscloudwatch.Alarm {
	if props.Topic == nil || props.Metric == nil || props.Name == "" || props.EvaluationPeriods < 1 {
		panic("alarms: " + id + " needs Name, Metric, Topic and EvaluationPeriods >= 1")
	}
	comparison := props.Comparison
	if comparison == "" {
		comparison = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	}
	missing := props.MissingData
	if missing == "" {
		missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	alarm := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(props.Name),
		AlarmDescription:   jsii.String(props.Description),
		Metric:             props.Metric,
		Threshold:          jsii.Number(props.Threshold),
		EvaluationPeriods:  jsii.Number(float64(props.EvaluationPeriods)),
		ComparisonOperator: comparison,
		TreatMissingData:   missing,
	})
	action := awscloudwatchactions.NewSnsAction(props.Topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	return alarm
}

// EventProps configures OnEvent. Pattern, Topic and Publisher are required.
type EventProps struct {
	// Pattern selects the events of the default event bus that are alerts, e.g. source
	// aws.glue, detail-type "Glue Crawler State Change", detail.state Failed and the names of
	// this environment's crawlers. Scope it to this environment: two environments may share
	// an account, and each must hear only its own failures.
	Pattern *awsevents.EventPattern
	// Description says what the rule forwards.
	Description string
	// Topic receives the matched events, whole (the event's detail names the failing resource).
	Topic awssns.ITopic
	// Publisher is the role EventBridge assumes to publish to Topic. Without a role, the SNS
	// target would let events.amazonaws.com publish through the topic policy, that is the
	// rules of any account. One role serves every rule of a stack (Publisher).
	Publisher awsiam.IRole
}

// OnEvent creates an EventBridge rule that forwards every event matching Pattern to Topic,
// published as Publisher.
func OnEvent(scope constructs.Construct, id string, props *EventProps) awsevents.Rule {
	if props.Topic == nil || props.Pattern == nil || props.Publisher == nil {
		panic("alarms: " + id + " needs Pattern, Topic and Publisher")
	}
	rule := awsevents.NewRule(scope, jsii.String(id), &awsevents.RuleProps{
		Description:  jsii.String(props.Description),
		EventPattern: props.Pattern,
	})
	rule.AddTarget(awseventstargets.NewSnsTopic(props.Topic, &awseventstargets.SnsTopicProps{Role: props.Publisher}))
	return rule
}

// Publisher creates the role EventBridge assumes to publish a scope's alerts to topic, trusted
// only for rules of this account (aws:SourceAccount). The grant covers the topic's key where
// the topic is encrypted; made here, before the rules, so its policy exists for the suppression.
func Publisher(scope constructs.Construct, id string, topic awssns.ITopic) awsiam.Role {
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()},
		}),
		Description: jsii.String("EventBridge rules of this account publish alerts to the alert topic"),
	})
	topic.GrantPublish(role)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK's topic grant: publishing to an encrypted topic needs kms:GenerateDataKey* on the topic's key, " +
			"as AWS documents for SNS server-side encryption; the resource is that one key."),
		AppliesTo: &[]any{"Action::kms:GenerateDataKey*"},
	}}, jsii.Bool(true))
	return role
}

// RuleMetric is one of a rule's EventBridge metrics (TriggeredRules, Invocations,
// FailedInvocations), summed per period, for dashboards: a FailedInvocations datapoint means
// an alert did not reach the topic.
func RuleMetric(rule awsevents.IRule, name string, period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String("AWS/Events"),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{"RuleName": rule.RuleName()},
		Statistic:     awscloudwatch.Stats_SUM(),
		Period:        period,
	})
}
