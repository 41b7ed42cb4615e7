package test

import (
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// findNamed returns the one resource of cfnType whose property prop equals name.
func findNamed(t *testing.T, resources map[string]resource, prop, name string) (string, resource) {
	t.Helper()
	for id, r := range resources {
		if r.Properties[prop] == name {
			return id, r
		}
	}
	t.Fatalf("no resource with %s %q", prop, name)
	return "", resource{}
}

func streamKeyID(p *stacks.Platform) string {
	return *p.Streaming.Stack.GetLogicalId(p.Streaming.Key.Node().DefaultChild().(awscdk.CfnElement))
}

// TestStreamsFromConfig checks every configured stream's capacity, retention and encryption.
func TestStreamsFromConfig(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			streams := resourcesOf(t, p.Streaming.Stack, "AWS::Kinesis::Stream")
			require.Len(t, streams, len(p.Env.Streaming.Streams))
			for _, cfg := range p.Env.Streaming.Streams {
				_, s := findNamed(t, streams, "Name", p.Env.StreamName(cfg.Name))
				props := s.Properties
				assert.EqualValues(t, cfg.RetentionHours, props["RetentionPeriodHours"], cfg.Name)
				assert.Equal(t, map[string]any{"EncryptionType": "KMS", "KeyId": getAtt(streamKeyID(p), "Arn")}, props["StreamEncryption"], cfg.Name)
				if cfg.Mode == config.StreamProvisioned {
					assert.Equal(t, map[string]any{"StreamMode": "PROVISIONED"}, props["StreamModeDetails"], cfg.Name)
					assert.EqualValues(t, cfg.Shards, props["ShardCount"], cfg.Name)
				} else {
					assert.Equal(t, map[string]any{"StreamMode": "ON_DEMAND"}, props["StreamModeDetails"], cfg.Name)
					assert.NotContains(t, props, "ShardCount", cfg.Name)
				}
				assert.Equal(t, deletionPolicyOf(p.Env), s.DeletionPolicy, cfg.Name)
			}
		})
	}
}

// TestDeliveryIntoBronze checks each delivery stream: source, prefixes derived from the shared
// bronze prefixes, buffering and compression from config, SSE-KMS with the data key, logging.
func TestDeliveryIntoBronze(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Streaming.Stack
			deliveries := resourcesOf(t, stack, "AWS::KinesisFirehose::DeliveryStream")
			streams := resourcesOf(t, stack, "AWS::Kinesis::Stream")
			logGroups := resourcesOf(t, stack, "AWS::Logs::LogGroup")
			require.Len(t, deliveries, len(p.Env.Streaming.Streams))
			dataKeyID := *p.DataLake.Stack.GetLogicalId(p.DataLake.Key.Node().DefaultChild().(awscdk.CfnElement))
			bronzeID := *p.DataLake.Stack.GetLogicalId(p.DataLake.Bronze.Node().DefaultChild().(awscdk.CfnElement))
			for _, cfg := range p.Env.Streaming.Streams {
				_, d := findNamed(t, deliveries, "DeliveryStreamName", p.Env.DeliveryStreamName(cfg.Name))
				streamID, _ := findNamed(t, streams, "Name", p.Env.StreamName(cfg.Name))
				assert.Equal(t, "KinesisStreamAsSource", d.Properties["DeliveryStreamType"])
				source := d.Properties["KinesisStreamSourceConfiguration"].(map[string]any)
				assert.Equal(t, getAtt(streamID, "Arn"), source["KinesisStreamARN"], cfg.Name)

				s3 := d.Properties["ExtendedS3DestinationConfiguration"].(map[string]any)
				assert.Equal(t, source["RoleARN"], s3["RoleARN"], "one role reads the stream and writes the bucket")
				assert.Contains(t, jsonText(s3["BucketARN"]), bronzeID, cfg.Name)
				daily := "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
				assert.Equal(t, config.BronzeKinesisPrefix(cfg.Name)+daily, s3["Prefix"], cfg.Name)
				assert.Equal(t, config.BronzeErrorsPrefix+config.BronzeKinesisPrefix(cfg.Name)+"!{firehose:error-output-type}/"+daily, s3["ErrorOutputPrefix"], cfg.Name)
				assert.Contains(t, s3["ErrorOutputPrefix"], "!{firehose:error-output-type}")
				// The jobs read (and their fixtures write) objects by this extension.
				assert.Equal(t, cfg.FileExtension(), s3["FileExtension"], cfg.Name)
				assert.Equal(t, map[string]any{"IntervalInSeconds": float64(cfg.BufferingIntervalSeconds), "SizeInMBs": float64(cfg.BufferingSizeMB)}, s3["BufferingHints"], cfg.Name)

				kmsARN := jsonText(s3["EncryptionConfiguration"].(map[string]any)["KMSEncryptionConfig"].(map[string]any)["AWSKMSKeyARN"])
				assert.Contains(t, kmsARN, dataKeyID, "%s: objects must be SSE-KMS with the data-lake key", cfg.Name)

				logging := s3["CloudWatchLoggingOptions"].(map[string]any)
				assert.Equal(t, true, logging["Enabled"])
				groupID := logging["LogGroupName"].(map[string]any)["Ref"].(string)
				group := logGroups[groupID]
				assert.Equal(t, p.Env.DeliveryLogGroupName(cfg.Name), group.Properties["LogGroupName"])
				assert.Contains(t, group.Properties, "KmsKeyId", "delivery logs must be KMS-encrypted")
				assert.EqualValues(t, p.Env.Streaming.LogRetentionDays, group.Properties["RetentionInDays"])

				conversion, converted := s3["DataFormatConversionConfiguration"].(map[string]any)
				if cfg.Format == config.FormatParquet {
					require.True(t, converted, "%s: Parquet stream without conversion", cfg.Name)
					assert.Equal(t, true, conversion["Enabled"])
					assert.Contains(t, jsonText(conversion["OutputFormatConfiguration"]), "ParquetSerDe")
					// UNCOMPRESSED is Firehose's default: absent or explicit are both right.
					if c, ok := s3["CompressionFormat"]; ok {
						assert.Equal(t, "UNCOMPRESSED", c)
					}
					assert.GreaterOrEqual(t, cfg.BufferingSizeMB, config.MinParquetBufferingSizeMB)
				} else {
					assert.False(t, converted, cfg.Name)
					assert.Equal(t, string(cfg.Compression), s3["CompressionFormat"], cfg.Name)
				}
			}
		})
	}
}

// TestDeliveryRolesAreScoped checks that each delivery role may touch only its own stream, its
// own bronze prefixes and the two keys, with no wildcard action and no stray policy.
func TestDeliveryRolesAreScoped(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Streaming.Stack
			deliveries := resourcesOf(t, stack, "AWS::KinesisFirehose::DeliveryStream")
			streams := resourcesOf(t, stack, "AWS::Kinesis::Stream")
			roles := resourcesOf(t, stack, "AWS::IAM::Role")
			assert.Empty(t, resourcesOf(t, stack, "AWS::IAM::Policy"), "roles carry their whole policy inline: no grant may widen them")
			for _, cfg := range p.Env.Streaming.Streams {
				_, d := findNamed(t, deliveries, "DeliveryStreamName", p.Env.DeliveryStreamName(cfg.Name))
				streamID, _ := findNamed(t, streams, "Name", p.Env.StreamName(cfg.Name))
				roleID := d.Properties["KinesisStreamSourceConfiguration"].(map[string]any)["RoleARN"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
				role := roles[roleID]
				assert.NotContains(t, role.Properties, "ManagedPolicyArns")
				assert.Contains(t, jsonText(role.Properties["AssumeRolePolicyDocument"]), `"sts:ExternalId":"`+p.Env.Account+`"`)
				prefixes := []string{"/" + config.BronzeKinesisPrefix(cfg.Name) + "*", "/" + config.BronzeErrorsPrefix + config.BronzeKinesisPrefix(cfg.Name) + "*"}
				for _, policy := range role.Properties["Policies"].([]any) {
					for _, st := range policy.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
						assertScoped(t, cfg.Name, st.(map[string]any), streamID, prefixes)
					}
				}
			}
		})
	}
}

// assertScoped checks one statement of a delivery role.
func assertScoped(t *testing.T, stream string, st map[string]any, streamID string, prefixes []string) {
	t.Helper()
	actions := list(st["Action"])
	resources := list(st["Resource"])
	for _, r := range resources {
		assert.NotEqual(t, "*", r, "%s %s: resource *", stream, st["Sid"])
	}
	for _, a := range actions {
		action := a.(string)
		assert.NotContains(t, action, "*", "%s: wildcard action", stream)
		switch {
		case strings.HasPrefix(action, "kinesis:"):
			assert.Equal(t, []any{getAtt(streamID, "Arn")}, resources, "%s: %s must name only its stream", stream, action)
		case strings.HasPrefix(action, "s3:") && strings.Contains(action, "Object") || action == "s3:AbortMultipartUpload":
			require.Len(t, resources, len(prefixes))
			for _, r := range resources {
				join := r.(map[string]any)["Fn::Join"].([]any)[1].([]any)
				assert.Contains(t, prefixes, join[len(join)-1], "%s: %s outside the stream's prefixes", stream, action)
			}
		case strings.HasPrefix(action, "kms:"):
			assert.NotEmpty(t, st["Condition"], "%s: %s must be limited by a condition to this stream or S3", stream, action)
		}
	}
}

// TestProducerPolicy checks the policy applications attach: put records into exactly the
// environment's streams, encrypt with the stream key, exported as a field and an output.
func TestProducerPolicy(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Streaming.Stack
			require.NotNil(t, p.Streaming.ProducerPolicy)
			policyID := *stack.GetLogicalId(p.Streaming.ProducerPolicy.Node().DefaultChild().(awscdk.CfnElement))
			policies := resourcesOf(t, stack, "AWS::IAM::ManagedPolicy")
			policy, ok := policies[policyID]
			require.True(t, ok)
			assert.Equal(t, p.Env.StreamProducerPolicyName(), policy.Properties["ManagedPolicyName"])

			var wantStreams []any
			streams := resourcesOf(t, stack, "AWS::Kinesis::Stream")
			for _, cfg := range p.Env.Streaming.Streams {
				id, _ := findNamed(t, streams, "Name", p.Env.StreamName(cfg.Name))
				wantStreams = append(wantStreams, getAtt(id, "Arn"))
			}
			statements := policy.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any)
			require.Len(t, statements, 2)
			put, encrypt := statements[0].(map[string]any), statements[1].(map[string]any)
			assert.ElementsMatch(t, []any{"kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards"}, list(put["Action"]))
			assert.ElementsMatch(t, wantStreams, list(put["Resource"]))
			assert.Equal(t, "kms:GenerateDataKey", encrypt["Action"])
			assert.Equal(t, getAtt(streamKeyID(p), "Arn"), encrypt["Resource"])
			assert.ElementsMatch(t, wantStreams, list(encrypt["Condition"].(map[string]any)["StringEquals"].(map[string]any)["kms:EncryptionContext:aws:kinesis:arn"]))

			templateOf(stack).HasOutput(jsii.String("ProducerPolicyArn"), map[string]any{"Value": map[string]any{"Ref": policyID}})
		})
	}
}

// TestParquetSchemas checks that each Parquet stream converts through a Glue table with the
// configured columns, in the stack's own schema database, and that JSON-only environments
// create no Glue resources.
func TestParquetSchemas(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Streaming.Stack
			tables := resourcesOf(t, stack, "AWS::Glue::Table")
			databases := resourcesOf(t, stack, "AWS::Glue::Database")
			var parquet []config.Stream
			for _, cfg := range p.Env.Streaming.Streams {
				if cfg.Format == config.FormatParquet {
					parquet = append(parquet, cfg)
				}
			}
			require.Len(t, tables, len(parquet))
			if len(parquet) == 0 {
				assert.Empty(t, databases)
				return
			}
			require.Len(t, databases, 1)
			for id, db := range databases {
				assert.Equal(t, p.Env.StreamSchemaDatabaseName(), db.Properties["DatabaseInput"].(map[string]any)["Name"])
				assert.NotEqual(t, p.Env.DatabaseName(config.LayerBronze), p.Env.StreamSchemaDatabaseName(), "the bronze database belongs to the Catalog stack")
				for _, cfg := range parquet {
					var table resource
					for _, tbl := range tables {
						if tbl.Properties["TableInput"].(map[string]any)["Name"] == config.StreamSchemaTableName(cfg.Name) {
							table = tbl
						}
					}
					require.NotNil(t, table.Properties, cfg.Name)
					assert.Equal(t, map[string]any{"Ref": id}, table.Properties["DatabaseName"])
					var want []any
					for _, c := range cfg.Columns {
						want = append(want, map[string]any{"Name": c.Name, "Type": c.Type})
					}
					assert.Equal(t, want, table.Properties["TableInput"].(map[string]any)["StorageDescriptor"].(map[string]any)["Columns"])
				}
			}
		})
	}
}

// TestJSONDeliveryEndsEachRecordWithANewline checks that every JSON stream's delivery adds a
// newline after each record, so a bronze object is JSON Lines whatever producers send, and that
// a Parquet stream's delivery, whose records Firehose converts, has no processor.
//
// Firehose, "Understand data delivery in Amazon Data Firehose"
// (https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html): "By default, Firehose
// concatenates data without any delimiters. If you want to have new line delimiters between
// records, you can add new line delimiters by enabling the feature in the Firehose console
// configuration or API parameter."
//
// Firehose API Reference, Processor
// (https://docs.aws.amazon.com/firehose/latest/APIReference/API_Processor.html): "If you want to
// add a new line delimiter between records in objects that are delivered to Amazon S3, choose
// AppendDelimiterToRecord as a processor type. You don't have to put a processor parameter when
// you select AppendDelimiterToRecord." Type: "Valid Values: RecordDeAggregation | Decompression |
// CloudWatchLogProcessing | Lambda | MetadataExtraction | AppendDelimiterToRecord".
func TestJSONDeliveryEndsEachRecordWithANewline(t *testing.T) {
	checked := 0
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			deliveries := resourcesOf(t, p.Streaming.Stack, "AWS::KinesisFirehose::DeliveryStream")
			for _, cfg := range p.Env.Streaming.Streams {
				_, d := findNamed(t, deliveries, "DeliveryStreamName", p.Env.DeliveryStreamName(cfg.Name))
				s3 := d.Properties["ExtendedS3DestinationConfiguration"].(map[string]any)
				if cfg.Format == config.FormatParquet {
					assert.NotContains(t, s3, "ProcessingConfiguration", "%s: Parquet records are converted, not delimited", cfg.Name)
					continue
				}
				// No parameter: the default delimiter is the newline (CDK renders the empty list).
				processor := map[string]any{"Type": "AppendDelimiterToRecord", "Parameters": []any{}}
				want := map[string]any{"Enabled": true, "Processors": []any{processor}}
				assert.Equal(t, want, s3["ProcessingConfiguration"], "%s: JSON records must each end with a newline", cfg.Name)
				checked++
			}
		})
	}
	require.Positive(t, checked, "no JSON stream in any environment: nothing was checked")
}
