package stacks

import (
	"dataplatform/config"
	"dataplatform/constructs/securebucket"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DataLakeStackProps configures NewDataLakeStack.
type DataLakeStackProps struct {
	// Env is the environment being built.
	Env config.Environment
}

// DataLakeStack is the lake's storage: one key and the bronze, silver and gold buckets.
type DataLakeStack struct {
	awscdk.Stack
	// Key encrypts every object in the three layers; grant it to whoever reads or writes them.
	Key awskms.Key
	// Bronze holds raw data as captured: rds/, kinesis/<stream>/, api/<source>/.
	Bronze awss3.Bucket
	// Silver holds cleaned, conformed tables.
	Silver awss3.Bucket
	// Gold holds the warehouse: aggregates and marts.
	Gold awss3.Bucket
	// AccessLogs receives the server access logs of every bucket of the environment.
	AccessLogs awss3.Bucket
}

// NewDataLakeStack creates the data key and the layer buckets, each with the lifecycle its
// layer's config asks for.
func NewDataLakeStack(scope constructs.Construct, id string, props *DataLakeStackProps) *DataLakeStack {
	env, lake := props.Env, props.Env.DataLake
	stack := newStack(scope, id, env, "Data lake key and bronze, silver and gold buckets of "+env.Name)
	removal := removalPolicy(env)

	key := awskms.NewKey(stack, jsii.String("DataKey"), &awskms.KeyProps{
		Alias:             jsii.String(env.ResourceName("data")),
		Description:       jsii.String("Encrypts the bronze, silver and gold layers of " + env.Name),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	accessLogs := securebucket.NewAccessLogs(stack, "AccessLogsBucket", &securebucket.AccessLogsProps{
		BucketName:     env.BucketName(config.BucketAccessLogs),
		ExpirationDays: lake.AccessLogsExpirationDays,
		RemovalPolicy:  removal,
	})
	layer := func(id, purpose string, lifecycle config.Lifecycle) awss3.Bucket {
		return securebucket.New(stack, id, &securebucket.Props{
			BucketName:       env.BucketName(purpose),
			Key:              key,
			AccessLogs:       accessLogs,
			AccessLogsPrefix: purpose + "/",
			LifecycleRules:   lifecycleRules(lifecycle),
			RemovalPolicy:    removal,
			RequestMetrics:   true, // the Monitoring stack alarms on their 4xx and 5xx counts
		})
	}
	s := &DataLakeStack{
		Stack:      stack,
		Key:        key,
		Bronze:     layer("BronzeBucket", config.BucketBronze, lake.Bronze),
		Silver:     layer("SilverBucket", config.BucketSilver, lake.Silver),
		Gold:       layer("GoldBucket", config.BucketGold, lake.Gold),
		AccessLogs: accessLogs,
	}
	return s
}

// lifecycleRules turns one layer's config into S3 rules; a 0 in config switches a step off.
func lifecycleRules(l config.Lifecycle) []*awss3.LifecycleRule {
	var transitions []*awss3.Transition
	if l.InfrequentAccessAfterDays > 0 {
		transitions = append(transitions, &awss3.Transition{StorageClass: awss3.StorageClass_INFREQUENT_ACCESS(), TransitionAfter: days(l.InfrequentAccessAfterDays)})
	}
	// Instant Retrieval, not Flexible Retrieval: Athena silently skips objects in Flexible
	// Retrieval and Deep Archive and Spark fails on them, so only ArchivePrefixes go there.
	if l.GlacierAfterDays > 0 {
		transitions = append(transitions, &awss3.Transition{StorageClass: awss3.StorageClass_GLACIER_INSTANT_RETRIEVAL(), TransitionAfter: days(l.GlacierAfterDays)})
	}
	rule := &awss3.LifecycleRule{Id: jsii.String("layer-lifecycle")}
	if len(transitions) > 0 {
		rule.Transitions = &transitions
	}
	if l.ExpireAfterDays > 0 {
		rule.Expiration = days(l.ExpireAfterDays)
	}
	if l.NoncurrentVersionExpirationDays > 0 {
		rule.NoncurrentVersionExpiration = days(l.NoncurrentVersionExpirationDays)
	}
	var rules []*awss3.LifecycleRule
	if rule.Transitions != nil || rule.Expiration != nil || rule.NoncurrentVersionExpiration != nil {
		rules = append(rules, rule)
	}
	// What nothing reads any more (config validation keeps readers' prefixes out).
	for i, prefix := range l.ArchivePrefixes {
		rules = append(rules, &awss3.LifecycleRule{
			Id:          jsii.String(fmt.Sprintf("archive-%d", i+1)),
			Prefix:      jsii.String(prefix),
			Transitions: &[]*awss3.Transition{{StorageClass: awss3.StorageClass_DEEP_ARCHIVE(), TransitionAfter: days(l.ArchiveAfterDays)}},
		})
	}
	return rules
}

func days(n int) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(float64(n))) }
