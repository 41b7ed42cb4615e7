package test

import (
	"fmt"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDataLakeBuckets(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.DataLake.Stack
			buckets := resourcesOf(t, stack, "AWS::S3::Bucket")
			require.Len(t, buckets, 4, "bronze, silver, gold and access logs")
			for id, b := range buckets {
				assert.Equal(t, map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				}, b.Properties["PublicAccessBlockConfiguration"], "%s public access", id)
				assert.Equal(t, map[string]any{"Status": "Enabled"}, b.Properties["VersioningConfiguration"], "%s versioning", id)
				assert.Equal(t, deletionPolicyOf(p.Env), b.DeletionPolicy, "%s removal", id)
				assert.Contains(t, ruleIDs(b), "abort-incomplete-multipart-uploads", "%s lifecycle", id)
			}
			// Every bucket refuses plain HTTP.
			for id, policy := range resourcesOf(t, stack, "AWS::S3::BucketPolicy") {
				assert.Contains(t, jsonText(policy.Properties), `"aws:SecureTransport":"false"`, "%s must deny non-TLS", id)
			}
			assert.Len(t, resourcesOf(t, stack, "AWS::S3::BucketPolicy"), 4)

			tpl := templateOf(stack)
			for _, purpose := range []string{config.BucketBronze, config.BucketSilver, config.BucketGold} {
				tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"BucketName": p.Env.BucketName(purpose),
					"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
						"BucketKeyEnabled": true,
						"ServerSideEncryptionByDefault": map[string]any{
							"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": assertions.Match_AnyValue(),
						},
					}}},
					"LoggingConfiguration": map[string]any{
						"DestinationBucketName": assertions.Match_AnyValue(), "LogFilePrefix": purpose + "/",
					},
				})
			}
			// S3 log delivery cannot write SSE-KMS objects, and a log bucket does not log itself.
			tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
				"BucketName": p.Env.BucketName(config.BucketAccessLogs),
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
					"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
				}}},
				"LoggingConfiguration": assertions.Match_Absent(),
			})
			tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
				"Properties":     map[string]any{"EnableKeyRotation": true},
				"DeletionPolicy": deletionPolicyOf(p.Env),
			})
			// Only a destroy environment empties buckets on deletion.
			autoDelete := 0
			if p.Env.Removal == config.RemovalDestroy {
				autoDelete = 4
			}
			tpl.ResourceCountIs(jsii.String("Custom::S3AutoDeleteObjects"), jsii.Number(float64(autoDelete)))
		})
	}
}

func TestDataLakeLifecycleFollowsConfig(t *testing.T) {
	for _, p := range suite.platforms {
		layers := map[string]config.Lifecycle{
			config.BucketBronze: p.Env.DataLake.Bronze,
			config.BucketSilver: p.Env.DataLake.Silver,
			config.BucketGold:   p.Env.DataLake.Gold,
		}
		for purpose, l := range layers {
			t.Run(p.Env.Name+"/"+purpose, func(t *testing.T) {
				rule := map[string]any{"Id": "layer-lifecycle", "Status": "Enabled"}
				var transitions []any
				if l.InfrequentAccessAfterDays > 0 {
					transitions = append(transitions, map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": l.InfrequentAccessAfterDays})
				}
				if l.GlacierAfterDays > 0 {
					transitions = append(transitions, map[string]any{"StorageClass": "GLACIER_IR", "TransitionInDays": l.GlacierAfterDays})
				}
				rule["Transitions"] = orAbsent(len(transitions) > 0, transitions)
				rule["ExpirationInDays"] = orAbsent(l.ExpireAfterDays > 0, l.ExpireAfterDays)
				rule["NoncurrentVersionExpiration"] = orAbsent(l.NoncurrentVersionExpirationDays > 0,
					map[string]any{"NoncurrentDays": l.NoncurrentVersionExpirationDays})
				templateOf(p.DataLake.Stack).HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
					"BucketName":             p.Env.BucketName(purpose),
					"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{rule})},
				})
			})
		}
	}
}

func orAbsent(present bool, value any) any {
	if present {
		return value
	}
	return assertions.Match_Absent()
}

func ruleIDs(b resource) []string {
	var ids []string
	lc, _ := b.Properties["LifecycleConfiguration"].(map[string]any)
	rules, _ := lc["Rules"].([]any)
	for _, r := range rules {
		if id, ok := r.(map[string]any)["Id"].(string); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestNoLifecycleHidesWhatReadersRead walks every bucket rule of every stage: Athena silently
// skips objects in Glacier Flexible Retrieval and Deep Archive and Spark fails on them, so a
// rule may move objects there only under a bronze prefix no reader reads, never in silver or
// gold, and never without a prefix. No committed environment archives (production's errors/
// are the speed layer's to read), so the walk also runs over develop built with errors/
// archived, to show it sees such a rule.
func TestNoLifecycleHidesWhatReadersRead(t *testing.T) {
	archivedIn := func(stacks map[string]awscdk.Stack) int {
		hidden := map[string]bool{"GLACIER": true, "DEEP_ARCHIVE": true}
		archived := 0
		for name, stack := range stacks {
			for id, bucket := range resourcesOf(t, stack, "AWS::S3::Bucket") {
				lifecycle, _ := bucket.Properties["LifecycleConfiguration"].(map[string]any)
				rules, _ := lifecycle["Rules"].([]any)
				for _, raw := range rules {
					rule := raw.(map[string]any)
					transitions, _ := rule["Transitions"].([]any)
					for _, tr := range transitions {
						class := tr.(map[string]any)["StorageClass"].(string)
						if !hidden[class] {
							continue
						}
						archived++
						prefix, _ := rule["Prefix"].(string)
						where := fmt.Sprintf("%s/%s rule %v moves %q to %s", name, id, rule["Id"], prefix, class)
						require.NotEmpty(t, prefix, "%s: the whole bucket", where)
						assert.Contains(t, fmt.Sprint(bucket.Properties["BucketName"]), "-"+config.BucketBronze+"-", "%s: silver and gold are read whole", where)
						for _, read := range config.BronzeReadPrefixes {
							assert.False(t, strings.HasPrefix(prefix, read) || strings.HasPrefix(read, prefix), "%s: readers read %s", where, read)
						}
					}
				}
			}
		}
		return archived
	}
	assert.Zero(t, archivedIn(allStacks()), "no committed environment archives bronze")

	develop := buildOne(t, "develop", func(e *config.Environment) {
		bronze := &e.DataLake.Bronze
		bronze.ArchiveAfterDays, bronze.ArchivePrefixes = 30, []string{config.BronzeErrorsPrefix}
		if bronze.ExpireAfterDays > 0 {
			bronze.ArchiveAfterDays = bronze.ExpireAfterDays - 1
		}
	})
	assert.Equal(t, 1, archivedIn(map[string]awscdk.Stack{"develop/DataLake": develop.DataLake.Stack}), "the walk sees develop's errors/ rule")
}
