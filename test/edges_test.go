package test

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A publisher -> target edge: a service, or a role a service assumes, that writes to a topic,
// bucket or log group of the platform, and through it to the key that encrypts the target.
// (The MWAA execution role publishes to the alert topic by its name-derived ARN, not a
// reference; the DAG tests check its calls against its policy instead.)
// Every edge needs two doors open: the target's resource policy (or the publisher's role
// policy) and the target key's policy. Neither cfn-lint nor the rehearsal evaluates policies,
// so a missing door is found only by a real deploy; this test walks every edge of every
// stage's templates and checks both doors.

// located is a resource of the suite: its stack and logical ID.
type located struct {
	stack awscdk.Stack
	id    string
}

func (l located) resource(t *testing.T, cfnType string) resource {
	t.Helper()
	r, ok := resourcesOf(t, l.stack, cfnType)[l.id]
	require.True(t, ok, "%s has no %s %s", *l.stack.StackName(), cfnType, l.id)
	return r
}

// locate follows v (a Ref, a GetAtt or another stack's output that is one) to the resource it
// names; ok is false for anything else (a literal, an import of something outside the suite).
func locate(t *testing.T, stack awscdk.Stack, v any) (located, bool) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		return located{}, false
	}
	if id, ok := m["Ref"].(string); ok && !strings.HasPrefix(id, "AWS::") {
		return located{stack, id}, true
	}
	switch att := m["Fn::GetAtt"].(type) {
	case []any:
		return located{stack, att[0].(string)}, true
	case string: // the short form, "Resource.Attribute"
		id, _, _ := strings.Cut(att, ".")
		return located{stack, id}, true
	}
	if out, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
		for _, producer := range allStacks() {
			if *producer.StackName() == out["StackName"] {
				return locate(t, producer, outputsOf(t, producer)[out["OutputName"].(string)]["Value"])
			}
		}
	}
	return located{}, false
}

// names is whether a policy value (a Resource, a Condition value) names the target: itself,
// an ARN built from it (Fn::Join), or another stack's output of it.
func names(t *testing.T, stack awscdk.Stack, v any, target located) bool {
	t.Helper()
	for _, item := range list(v) {
		if l, ok := locate(t, stack, item); ok && l == target {
			return true
		}
		m, _ := item.(map[string]any)
		if join, ok := m["Fn::Join"].([]any); ok && names(t, stack, join[1], target) {
			return true
		}
	}
	return false
}

// allows is whether one of statements allows action on the target for principal (nil: any
// principal; the statements are then a role's own).
func allows(t *testing.T, stack awscdk.Stack, statements []map[string]any, principal any, action string, target located) bool {
	t.Helper()
	for _, s := range statements {
		if s["Effect"] != "Allow" || (principal != nil && jsonText(s["Principal"]) != jsonText(principal)) {
			continue
		}
		if grants(s, action) && (s["Resource"] == "*" || names(t, stack, s["Resource"], target)) {
			return true
		}
	}
	return false
}

// grants is whether one of statement s's actions (wildcards included) is action.
func grants(s map[string]any, action string) bool {
	for _, a := range list(s["Action"]) {
		if ok, _ := path.Match(a.(string), action); ok {
			return true
		}
	}
	return false
}

// keyAdmits is whether the key's policy lets principal (a service principal, or nil for IAM
// roles of the account, through the root-account statement) use it for each action.
func keyAdmits(t *testing.T, key located, principal any, actions ...string) bool {
	t.Helper()
	statements := documentStatements(key.resource(t, "AWS::KMS::Key").Properties["KeyPolicy"])
	for _, action := range actions {
		ok := false
		for _, s := range statements {
			who := jsonText(s["Principal"])
			if s["Effect"] != "Allow" || (principal == nil && !strings.Contains(who, ":root")) || (principal != nil && who != jsonText(principal)) {
				continue
			}
			ok = ok || grants(s, action)
		}
		if !ok {
			return false
		}
	}
	return true
}

func service(name string) any { return map[string]any{"Service": name} }

// edgeChecker counts the edges it checked, by kind, and reports the broken ones.
type edgeChecker struct {
	t     *testing.T
	kinds map[string]int
}

func (c *edgeChecker) check(kind, where string, ok bool, door string) {
	c.t.Helper()
	c.kinds[kind]++
	assert.True(c.t, ok, "%s: %s: %s", kind, where, door)
}

func TestEveryPublisherMayWriteToItsTarget(t *testing.T) {
	c := &edgeChecker{t: t, kinds: map[string]int{}}
	for name, stack := range allStacks() {
		region := *stack.Region()
		// A topic's policy is in the topic's own stack.
		topicStatements := func(topic located) []map[string]any {
			var out []map[string]any
			for _, p := range resourcesOf(t, topic.stack, "AWS::SNS::TopicPolicy") {
				if names(t, topic.stack, p.Properties["Topics"], topic) {
					out = append(out, documentStatements(p.Properties["PolicyDocument"])...)
				}
			}
			return out
		}
		topicKey := func(topic located) (located, bool) {
			return locate(t, topic.stack, topic.resource(t, "AWS::SNS::Topic").Properties["KmsMasterKeyId"])
		}

		// CloudWatch alarm -> topic: the topic policy admits CloudWatch for this alarm's ARN,
		// and the topic's key admits CloudWatch.
		for id, alarm := range resourcesOf(t, stack, "AWS::CloudWatch::Alarm") {
			where := name + "/" + id
			for _, field := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
				actions, _ := alarm.Properties[field].([]any)
				for _, action := range actions {
					topic, ok := locate(t, stack, action)
					require.True(t, ok, "%s: %s is not a topic of the platform", where, jsonText(action))
					arn := fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, *stack.Account(), alarm.Properties["AlarmName"])
					c.check("alarm -> topic", where, alarmMayPublish(t, stack, topicStatements(topic), topic, arn), "the topic policy does not admit cloudwatch.amazonaws.com for "+arn)
					key, encrypted := topicKey(topic)
					c.check("alarm -> topic key", where, encrypted && keyAdmits(t, key, service("cloudwatch.amazonaws.com"), "kms:GenerateDataKey", "kms:Decrypt"), "the topic's key does not admit CloudWatch")
				}
			}
		}

		// Budget -> topic: the topic policy admits AWS Budgets for this budget's ARN from this
		// account, and the topic's key admits AWS Budgets.
		for id, budget := range resourcesOf(t, stack, "AWS::Budgets::Budget") {
			where := name + "/" + id
			arn := fmt.Sprintf("arn:aws:budgets::%s:budget/%s", *stack.Account(), budget.Properties["Budget"].(map[string]any)["BudgetName"])
			notifications, _ := budget.Properties["NotificationsWithSubscribers"].([]any)
			for _, n := range notifications {
				for _, sub := range n.(map[string]any)["Subscribers"].([]any) {
					sub := sub.(map[string]any)
					if sub["SubscriptionType"] != "SNS" {
						continue
					}
					topic, ok := locate(t, stack, sub["Address"])
					require.True(t, ok, "%s: %s is not a topic of the platform", where, jsonText(sub["Address"]))
					c.check("budget -> topic", where, budgetMayPublish(t, stack, topicStatements(topic), topic, *stack.Account(), arn),
						"the topic policy does not admit budgets.amazonaws.com for "+arn)
					key, encrypted := topicKey(topic)
					c.check("budget -> topic key", where, encrypted && keyAdmits(t, key, service("budgets.amazonaws.com"), "kms:GenerateDataKey", "kms:Decrypt"),
						"the topic's key does not admit AWS Budgets")
				}
			}
		}

		// EventBridge rule -> topic, as the target's role: the role may publish to the topic and
		// use its key, and the key admits the account's IAM policies.
		for id, rule := range resourcesOf(t, stack, "AWS::Events::Rule") {
			where := name + "/" + id
			targets, _ := rule.Properties["Targets"].([]any)
			for _, target := range targets {
				tgt := target.(map[string]any)
				topic, ok := locate(t, stack, tgt["Arn"])
				if !ok {
					continue
				}
				if _, isTopic := resourcesOf(t, topic.stack, "AWS::SNS::Topic")[topic.id]; !isTopic {
					continue
				}
				role, hasRole := locate(t, stack, tgt["RoleArn"])
				c.check("rule -> topic", where, hasRole && allows(t, stack, roleStatements(t, stack, role.id), nil, "sns:Publish", topic), "no role, or the role may not publish to the topic")
				key, _ := topicKey(topic)
				c.check("rule -> topic key", where, hasRole && allows(t, stack, roleStatements(t, stack, role.id), nil, "kms:GenerateDataKey", key) && keyAdmits(t, key, nil, "kms:GenerateDataKey"), "the role may not use the topic's key")
			}
		}

		// Every KMS-encrypted log group -> its key: CloudWatch Logs of this region may use it.
		for id, group := range resourcesOf(t, stack, "AWS::Logs::LogGroup") {
			if group.Properties["KmsKeyId"] == nil {
				continue
			}
			key, ok := locate(t, stack, group.Properties["KmsKeyId"])
			require.True(t, ok, "%s/%s: key %s", name, id, jsonText(group.Properties["KmsKeyId"]))
			c.check("log group -> key", name+"/"+id, keyAdmits(t, key, service("logs."+region+".amazonaws.com"), "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"), "the key does not admit CloudWatch Logs")
		}

		// S3 server access logs -> the logs bucket: its policy admits S3's log delivery.
		for id, bucket := range resourcesOf(t, stack, "AWS::S3::Bucket") {
			logging, ok := bucket.Properties["LoggingConfiguration"].(map[string]any)
			if !ok {
				continue
			}
			logs, ok := locate(t, stack, logging["DestinationBucketName"])
			require.True(t, ok, "%s/%s logs to %s", name, id, jsonText(logging["DestinationBucketName"]))
			var statements []map[string]any
			for _, p := range resourcesOf(t, logs.stack, "AWS::S3::BucketPolicy") {
				if names(t, logs.stack, p.Properties["Bucket"], logs) {
					statements = append(statements, documentStatements(p.Properties["PolicyDocument"])...)
				}
			}
			c.check("bucket -> access logs bucket", name+"/"+id, allows(t, logs.stack, statements, service("logging.s3.amazonaws.com"), "s3:PutObject", logs), "the logs bucket's policy does not admit logging.s3.amazonaws.com")
		}

		// Firehose -> bronze, as its role: objects in the bucket and the bucket's key.
		for id, delivery := range resourcesOf(t, stack, "AWS::KinesisFirehose::DeliveryStream") {
			s3 := delivery.Properties["ExtendedS3DestinationConfiguration"].(map[string]any)
			bucket, _ := locate(t, stack, s3["BucketARN"])
			key, _ := locate(t, stack, s3["EncryptionConfiguration"].(map[string]any)["KMSEncryptionConfig"].(map[string]any)["AWSKMSKeyARN"])
			role, _ := locate(t, stack, s3["RoleARN"])
			statements := roleStatements(t, stack, role.id)
			c.check("firehose -> bucket", name+"/"+id, allows(t, stack, statements, nil, "s3:PutObject", bucket), "the delivery role may not write the bucket")
			c.check("firehose -> bucket key", name+"/"+id, allows(t, stack, statements, nil, "kms:GenerateDataKey", key) && keyAdmits(t, key, nil, "kms:GenerateDataKey"), "the delivery role may not use the bucket's key")
		}

		// DMS -> bronze, as the target endpoint's role.
		for id, endpoint := range resourcesOf(t, stack, "AWS::DMS::Endpoint") {
			s3, ok := endpoint.Properties["S3Settings"].(map[string]any)
			if !ok {
				continue
			}
			bucket, _ := locate(t, stack, s3["BucketName"])
			key, _ := locate(t, stack, s3["ServerSideEncryptionKmsKeyId"])
			role, _ := locate(t, stack, s3["ServiceAccessRoleArn"])
			statements := roleStatements(t, stack, role.id)
			c.check("dms -> bucket", name+"/"+id, allows(t, stack, statements, nil, "s3:PutObject", bucket), "the DMS role may not write the bucket")
			c.check("dms -> bucket listing", name+"/"+id, allows(t, stack, statements, nil, "s3:ListBucket", bucket), "the DMS role may not list the bucket")
			c.check("dms -> bucket key", name+"/"+id, allows(t, stack, statements, nil, "kms:GenerateDataKey", key) && keyAdmits(t, key, nil, "kms:GenerateDataKey"), "the DMS role may not use the bucket's key")
		}
	}
	total := 0
	for _, kind := range []string{"alarm -> topic", "alarm -> topic key", "budget -> topic", "budget -> topic key", "rule -> topic", "rule -> topic key", "log group -> key",
		"bucket -> access logs bucket", "firehose -> bucket", "firehose -> bucket key", "dms -> bucket", "dms -> bucket listing", "dms -> bucket key"} {
		assert.Positive(t, c.kinds[kind], "no %s edge found: the walk matched nothing", kind)
		total += c.kinds[kind]
	}
	t.Logf("checked %d publisher -> target edges: %v", total, c.kinds)
}

// alarmMayPublish is whether the topic policy admits CloudWatch publishing for the alarm ARN:
// a matching statement whose aws:SourceArn pattern (if any) covers it.
func alarmMayPublish(t *testing.T, stack awscdk.Stack, statements []map[string]any, topic located, alarmArn string) bool {
	t.Helper()
	for _, s := range statements {
		if !allows(t, stack, []map[string]any{s}, service("cloudwatch.amazonaws.com"), "sns:Publish", topic) {
			continue
		}
		cond, _ := s["Condition"].(map[string]any)
		like, _ := cond["ArnLike"].(map[string]any)
		pattern, ok := like["aws:SourceArn"].(string)
		if !ok {
			return true
		}
		if m, _ := path.Match(pattern, alarmArn); m {
			return true
		}
	}
	return false
}

// budgetMayPublish is whether the topic policy admits AWS Budgets publishing for the budget
// ARN: a matching statement whose aws:SourceAccount (if any) is the account and whose
// aws:SourceArn pattern (if any) covers the ARN.
func budgetMayPublish(t *testing.T, stack awscdk.Stack, statements []map[string]any, topic located, account, budgetArn string) bool {
	t.Helper()
	for _, s := range statements {
		if !allows(t, stack, []map[string]any{s}, service("budgets.amazonaws.com"), "sns:Publish", topic) {
			continue
		}
		cond, _ := s["Condition"].(map[string]any)
		equals, _ := cond["StringEquals"].(map[string]any)
		if source, ok := equals["aws:SourceAccount"]; ok && source != account {
			continue
		}
		like, _ := cond["ArnLike"].(map[string]any)
		pattern, ok := like["aws:SourceArn"].(string)
		if !ok || arnLike(pattern, budgetArn) {
			return true
		}
	}
	return false
}

// arnLike is IAM's ArnLike: * matches any characters, / included (path.Match's stops at /),
// and ? any one character.
func arnLike(pattern, arn string) bool {
	quoted := regexp.QuoteMeta(pattern)
	quoted = strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(quoted)
	return regexp.MustCompile("^" + quoted + "$").MatchString(arn)
}
