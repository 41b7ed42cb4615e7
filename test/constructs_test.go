package test

import (
	"fmt"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/constructs/alarms"
	"dataplatform/constructs/logs"
	"dataplatform/constructs/removal"
	"dataplatform/constructs/securebucket"
	"dataplatform/constructs/vpc"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The constructs' own tests: each builds its construct alone, in a stack of a stage with the
// AwsSolutions pack, as the platform's stacks are built, in this package's one jsii process.

// constructStacks counts the stacks made, so that each has a path of its own (templateOf
// caches templates by path).
var constructStacks int

// constructStack is an empty stack of a fresh app, in a stage that cdk-nag checks.
func constructStack(t *testing.T) (awscdk.App, awscdk.Stack) {
	t.Helper()
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	constructStacks++
	stage := awscdk.NewStage(app, jsii.String(fmt.Sprintf("constructs%d", constructStacks)), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	stack := awscdk.NewStack(stage, jsii.String("Stack"), nil)
	stacks.AddNagChecks(stage)
	return app, stack
}

// nagFindings synthesizes app (a finding makes synth panic) and returns the stack's findings.
func nagFindings(t *testing.T, app awscdk.App, stack awscdk.Stack) []string {
	t.Helper()
	var failed any
	func() {
		defer func() { failed = recover() }()
		app.Synth(nil)
	}()
	if failed != nil {
		return []string{fmt.Sprintf("synth failed: %v", failed)}
	}
	var findings []string
	annotations := assertions.Annotations_FromStack(stack)
	for _, e := range append(*annotations.FindError(jsii.String("*"), awsSolutions), *annotations.FindWarning(jsii.String("*"), awsSolutions)...) {
		findings = append(findings, *e.Id)
	}
	return findings
}

func TestRemovalDefaultsToRetain(t *testing.T) {
	assert.Equal(t, awscdk.RemovalPolicy_RETAIN, removal.OrRetain(""))
	assert.Equal(t, awscdk.RemovalPolicy_DESTROY, removal.OrRetain(awscdk.RemovalPolicy_DESTROY))
}

func TestSecureBucket(t *testing.T) {
	for _, c := range []struct {
		name     string
		policy   awscdk.RemovalPolicy
		deletion string
	}{{"retained by default", "", "Retain"}, {"destroyed, emptied first", awscdk.RemovalPolicy_DESTROY, "Delete"}} {
		t.Run(c.name, func(t *testing.T) {
			app, stack := constructStack(t)
			logsBucket := securebucket.NewAccessLogs(stack, "Logs", &securebucket.AccessLogsProps{BucketName: "logs", ExpirationDays: 30, RemovalPolicy: c.policy})
			key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
			securebucket.New(stack, "Data", &securebucket.Props{BucketName: "data", Key: key, AccessLogs: logsBucket, AccessLogsPrefix: "data/", RemovalPolicy: c.policy})
			// The auto-delete provider that DESTROY brings is the construct's to explain.
			assert.Empty(t, nagFindings(t, app, stack))
			tpl := templateOf(stack)
			_, data := findNamed(t, resourcesOf(t, stack, "AWS::S3::Bucket"), "BucketName", "data")
			assert.Equal(t, c.deletion, data.DeletionPolicy)
			assert.Equal(t, map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
				data.Properties["PublicAccessBlockConfiguration"])
			assert.Equal(t, map[string]any{"Status": "Enabled"}, data.Properties["VersioningConfiguration"])
			sse := list(data.Properties["BucketEncryption"].(map[string]any)["ServerSideEncryptionConfiguration"])[0].(map[string]any)
			assert.Equal(t, true, sse["BucketKeyEnabled"])
			assert.Equal(t, "aws:kms", sse["ServerSideEncryptionByDefault"].(map[string]any)["SSEAlgorithm"])
			assert.Equal(t, "abort-incomplete-multipart-uploads", list(data.Properties["LifecycleConfiguration"].(map[string]any)["Rules"])[0].(map[string]any)["Id"])
			autoDelete := 0.0
			if c.policy == awscdk.RemovalPolicy_DESTROY {
				autoDelete = 2
			}
			tpl.ResourceCountIs(jsii.String("Custom::S3AutoDeleteObjects"), jsii.Number(autoDelete))
			// cdk-nag cannot see into CDK's L1 provider role, so the construct explains its
			// managed policy itself, once per stack however many buckets share the provider.
			var suppressions []any
			for id, role := range resourcesOf(t, stack, "AWS::IAM::Role") {
				if strings.HasPrefix(id, "CustomS3AutoDeleteObjectsCustomResourceProviderRole") {
					suppressions = list(role.Metadata["cdk_nag"].(map[string]any)["rules_to_suppress"])
				}
			}
			if c.policy == awscdk.RemovalPolicy_DESTROY {
				require.Len(t, suppressions, 1)
				assert.Equal(t, "AwsSolutions-IAM4", suppressions[0].(map[string]any)["id"])
			} else {
				assert.Empty(t, suppressions)
			}
		})
	}
	_, stack := constructStack(t)
	assert.Panics(t, func() { securebucket.New(stack, "NoLogs", &securebucket.Props{BucketName: "x", S3Managed: true}) })
}

func TestLogs(t *testing.T) {
	app, stack := constructStack(t)
	key := logs.NewKey(stack, "Key", &logs.KeyProps{Alias: "k"})
	logs.NewGroup(stack, "Group", &logs.GroupProps{Key: key, RetentionDays: 14})
	assert.Empty(t, nagFindings(t, app, stack))
	key0, _ := only(t, resourcesOf(t, stack, "AWS::KMS::Key"))
	_, group := only(t, resourcesOf(t, stack, "AWS::Logs::LogGroup"))
	assert.Equal(t, "Retain", group.DeletionPolicy)
	assert.Equal(t, float64(14), group.Properties["RetentionInDays"])
	assert.Equal(t, getAtt(key0, "Arn"), group.Properties["KmsKeyId"])
	assertLogsKeyPolicy(t, templateOf(stack), config.Environment{Region: "us-east-1"})
	assert.Panics(t, func() { logs.Retention(13) }, "13 days is no CloudWatch retention")
}

func TestVpc(t *testing.T) {
	app, stack := constructStack(t)
	vpc.New(stack, &vpc.Props{
		Name: "v", CIDR: "10.9.0.0/16", AvailabilityZones: []string{"us-east-1a", "us-east-1b"}, NATGateways: 1,
		Subnets: []*awsec2.SubnetConfiguration{
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(20)},
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
		},
		LogsKeyAlias: "v-logs", FlowLogRetentionDays: 30,
	})
	assert.Empty(t, nagFindings(t, app, stack))
	tpl := templateOf(stack)
	// Built in the caller's scope: the IDs the platform's VPCs always had.
	for cfnType, prefix := range map[string]string{"AWS::EC2::VPC": "Vpc", "AWS::KMS::Key": "LogsKey", "AWS::Logs::LogGroup": "FlowLogs"} {
		id, _ := only(t, resourcesOf(t, stack, cfnType))
		assert.Regexp(t, "^"+prefix+"[0-9A-F]{8}$", id)
	}
	tpl.HasResourceProperties(jsii.String("AWS::EC2::VPC"), map[string]any{"EnableDnsHostnames": true, "EnableDnsSupport": true, "CidrBlock": "10.9.0.0/16"})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"})
	tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{"VpcEndpointType": "Gateway"})
	tpl.ResourceCountIs(jsii.String("Custom::VpcRestrictDefaultSG"), jsii.Number(1))
	_, group := only(t, resourcesOf(t, stack, "AWS::Logs::LogGroup"))
	assert.Equal(t, "Retain", group.DeletionPolicy)
	assert.Panics(t, func() { vpc.New(stack, &vpc.Props{Name: "w"}) })
}

func TestAlarms(t *testing.T) {
	app, stack := constructStack(t)
	topic := awssns.NewTopic(stack, jsii.String("Topic"), &awssns.TopicProps{
		EnforceSSL: jsii.Bool(true),
		MasterKey:  awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)}),
	})
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("N"), MetricName: jsii.String("Errors")})
	alarms.New(stack, "Alarm", &alarms.Props{Name: "a", Metric: metric, Threshold: 1, EvaluationPeriods: 2, Topic: topic})
	alarms.OnEvent(stack, "Rule", &alarms.EventProps{
		Pattern: &awsevents.EventPattern{Source: jsii.Strings("aws.glue")}, Topic: topic,
		Publisher: alarms.Publisher(stack, "Publisher", topic),
	})
	assert.Empty(t, nagFindings(t, app, stack))
	topicRef := ref(logicalID(t, topic))
	_, alarm := only(t, resourcesOf(t, stack, "AWS::CloudWatch::Alarm"))
	assert.Equal(t, "GreaterThanOrEqualToThreshold", alarm.Properties["ComparisonOperator"])
	assert.Equal(t, "notBreaching", alarm.Properties["TreatMissingData"])
	assert.Equal(t, []any{topicRef}, alarm.Properties["AlarmActions"], "fires to the topic")
	assert.Equal(t, []any{topicRef}, alarm.Properties["OKActions"], "and says when it is over")
	_, rule := only(t, resourcesOf(t, stack, "AWS::Events::Rule"))
	target := list(rule.Properties["Targets"])[0].(map[string]any)
	assert.Equal(t, topicRef, target["Arn"])
	assert.Contains(t, target, "RoleArn", "published as the Publisher role, not through a topic policy")
	assert.Panics(t, func() { alarms.New(stack, "NoTopic", &alarms.Props{Name: "b", Metric: metric, EvaluationPeriods: 1}) })
	assert.Panics(t, func() {
		alarms.OnEvent(stack, "NoPublisher", &alarms.EventProps{Pattern: &awsevents.EventPattern{}, Topic: topic})
	})
}
