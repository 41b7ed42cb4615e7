package stacks

import (
	"fmt"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/logs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// StreamingStackProps configures NewStreamingStack.
type StreamingStackProps struct {
	// Env is the environment being built.
	Env config.Environment
	// Bronze is the bucket Firehose delivers every stream into.
	Bronze awss3.IBucket
	// DataKey encrypts the lake; Firehose writes SSE-KMS objects with it.
	DataKey awskms.IKey
}

// StreamingStack is the real-time path into bronze: per configured stream, a KMS-encrypted
// Kinesis data stream and a Firehose delivery stream that copies it to bronze/kinesis/<stream>/.
type StreamingStack struct {
	awscdk.Stack
	// Key encrypts every stream at rest; producers and consumers need it (see ProducerPolicy).
	Key awskms.Key
	// Streams are the Kinesis data streams, by their config name (e.g. "web-events").
	Streams map[string]awskinesis.Stream
	// DeliveryStreams are the Firehose delivery streams into bronze, by stream config name.
	DeliveryStreams map[string]awskinesisfirehose.DeliveryStream
	// ProducerPolicy lets an application put records into every stream of the environment.
	ProducerPolicy awsiam.ManagedPolicy
}

// NewStreamingStack creates the streams, their delivery into bronze and the producer policy.
func NewStreamingStack(scope constructs.Construct, id string, props *StreamingStackProps) *StreamingStack {
	env := props.Env
	stack := newStack(scope, id, env, "Kinesis data streams and their Firehose delivery into bronze of "+env.Name)
	removal := removalPolicy(env)

	s := &StreamingStack{
		Stack: stack,
		Key: awskms.NewKey(stack, jsii.String("StreamKey"), &awskms.KeyProps{
			Alias:             jsii.String(env.ResourceName("streams")),
			Description:       jsii.String("Encrypts the Kinesis data streams of " + env.Name),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     removal,
		}),
		Streams:         map[string]awskinesis.Stream{},
		DeliveryStreams: map[string]awskinesisfirehose.DeliveryStream{},
	}
	d := &delivery{
		stack:   stack,
		env:     env,
		bronze:  props.Bronze,
		dataKey: props.DataKey,
		logsKey: logs.NewKey(stack, "LogsKey", &logs.KeyProps{Alias: env.ResourceName("streaming-logs"), RemovalPolicy: removal}),
	}
	for _, cfg := range env.Streaming.Streams {
		stream := s.newStream(env, cfg, removal)
		s.Streams[cfg.Name] = stream
		s.DeliveryStreams[cfg.Name] = d.newDeliveryStream(cfg, stream, s.Key)
	}
	s.ProducerPolicy = s.newProducerPolicy(env)
	awscdk.NewCfnOutput(stack, jsii.String("ProducerPolicyArn"), &awscdk.CfnOutputProps{
		Value:       s.ProducerPolicy.ManagedPolicyArn(),
		Description: jsii.String("Attach to an application's role to let it put records into the streams of " + env.Name),
	})
	return s
}

// constructID turns a stream name into a construct ID prefix: web-events -> WebEvents. The
// stream's resources keep stable logical IDs as long as its name does not change.
func constructID(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// newStream creates one Kinesis data stream, encrypted with the stack's key.
func (s *StreamingStack) newStream(env config.Environment, cfg config.Stream, removal awscdk.RemovalPolicy) awskinesis.Stream {
	props := &awskinesis.StreamProps{
		StreamName:      jsii.String(env.StreamName(cfg.Name)),
		RetentionPeriod: awscdk.Duration_Hours(jsii.Number(float64(cfg.RetentionHours))),
		Encryption:      awskinesis.StreamEncryption_KMS,
		EncryptionKey:   s.Key,
		RemovalPolicy:   removal,
		StreamMode:      awskinesis.StreamMode_ON_DEMAND,
	}
	if cfg.Mode == config.StreamProvisioned {
		props.StreamMode = awskinesis.StreamMode_PROVISIONED
		props.ShardCount = jsii.Number(float64(cfg.Shards))
	}
	stream := awskinesis.NewStream(s.Stack, jsii.String(constructID(cfg.Name)+"Stream"), props)
	cdknag.NagSuppressions_AddResourceSuppressions(stream, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-KDS3"),
		Reason: jsii.String("A customer-managed key is the design: its use is limited per stream by the aws:kinesis:arn encryption " +
			"context in the producer policy and delivery roles, and it rotates yearly."),
	}}, jsii.Bool(true))
	return stream
}

// newProducerPolicy allows exactly what a producer (SDK, KPL, agent) needs on these streams:
// writing records, describing the stream and listing shards, and encrypting with the stream key
// for these streams only (Kinesis passes the stream ARN as encryption context).
func (s *StreamingStack) newProducerPolicy(env config.Environment) awsiam.ManagedPolicy {
	var arns []*string
	for _, cfg := range env.Streaming.Streams {
		arns = append(arns, s.Streams[cfg.Name].StreamArn())
	}
	return awsiam.NewManagedPolicy(s.Stack, jsii.String("ProducerPolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(env.StreamProducerPolicyName()),
		Description:       jsii.String("Put records into the Kinesis data streams of " + env.Name),
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PutRecords"),
				Actions:   jsii.Strings("kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards"),
				Resources: &arns,
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("EncryptRecords"),
				Actions:    jsii.Strings("kms:GenerateDataKey"),
				Resources:  &[]*string{s.Key.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:EncryptionContext:aws:kinesis:arn": arns}},
			}),
		},
	})
}

// delivery holds what every delivery stream of the stack shares.
type delivery struct {
	stack   awscdk.Stack
	env     config.Environment
	bronze  awss3.IBucket
	dataKey awskms.IKey
	logsKey awskms.IKey
	schemas awsglue.CfnDatabase // created with the first Parquet stream
}

// newDeliveryStream creates the Firehose delivery stream that copies one Kinesis stream into
// bronze, with its error log group and a role scoped to that stream, prefix and keys.
//
// It uses the L2 DeliveryStream, which supports every setting needed here, but hands it the
// role through WithoutPolicyUpdates: the L2's own grants are bucket-wide (grantReadWrite:
// s3:GetObject*, s3:List*, s3:DeleteObject* on every key) and would widen the role past the
// stream's prefix. The role's inline policy (deliveryPolicy) is the whole of its permissions.
func (d *delivery) newDeliveryStream(cfg config.Stream, stream awskinesis.Stream, streamKey awskms.IKey) awskinesisfirehose.DeliveryStream {
	id := constructID(cfg.Name)
	logGroup := logs.NewGroup(d.stack, id+"DeliveryLogs", &logs.GroupProps{
		LogGroupName:  jsii.String(d.env.DeliveryLogGroupName(cfg.Name)),
		Key:           d.logsKey,
		RetentionDays: d.env.Streaming.LogRetentionDays,
		RemovalPolicy: removalPolicy(d.env),
	})
	var schema awsglue.CfnTable
	if cfg.Format == config.FormatParquet {
		schema = d.newSchemaTable(id, cfg)
	}
	role := awsiam.NewRole(d.stack, jsii.String(id+"DeliveryRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), nil).WithConditions(&map[string]any{
			// Only Firehose acting for this account may assume it (confused-deputy protection).
			"StringEquals": map[string]any{"sts:ExternalId": d.stack.Account()},
		}),
		Description:    jsii.String(fmt.Sprintf("Firehose reads stream %s and writes it to bronze/%s", d.env.StreamName(cfg.Name), config.BronzeKinesisPrefix(cfg.Name))),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"deliver": d.deliveryPolicy(cfg, stream, streamKey, logGroup, schema)},
	})
	d.suppressPrefixWildcards(role, cfg.Name)
	deliveryRole := role.WithoutPolicyUpdates(nil)

	destination := &awskinesisfirehose.S3BucketProps{
		DataOutputPrefix:  jsii.String(config.BronzeKinesisDataPrefix(cfg.Name)),
		ErrorOutputPrefix: jsii.String(config.BronzeKinesisErrorPrefix(cfg.Name)),
		// Named, not left to Firehose's default (.gz, .parquet, none): the jobs read by it.
		FileExtension:     jsii.String(cfg.FileExtension()),
		BufferingInterval: awscdk.Duration_Seconds(jsii.Number(float64(cfg.BufferingIntervalSeconds))),
		BufferingSize:     awscdk.Size_Mebibytes(jsii.Number(float64(cfg.BufferingSizeMB))),
		EncryptionKey:     d.dataKey,
		LoggingConfig:     awskinesisfirehose.NewEnableLogging(logGroup),
		Role:              deliveryRole,
	}
	if schema == nil {
		destination.Compression = awskinesisfirehose.Compression_Of(jsii.String(string(cfg.Compression)))
		// Firehose concatenates records with no delimiter: without this, a producer that sends
		// no trailing newline puts a whole object's records on one line. With it, each record
		// ends in \n (one that already did leaves a blank line, which the jobs skip).
		destination.Processors = &[]awskinesisfirehose.IDataProcessor{awskinesisfirehose.NewAppendDelimiterToRecordProcessor()}
	} else {
		// Config requires UNCOMPRESSED with Parquet, which is Firehose's default; the L2 refuses
		// any file compression next to a conversion (Parquet compresses its pages: Snappy).
		destination.DataFormatConversion = &awskinesisfirehose.DataFormatConversionProps{
			SchemaConfiguration: awskinesisfirehose.SchemaConfiguration_FromCfnTable(schema, &awskinesisfirehose.SchemaConfigurationFromCfnTableProps{VersionId: jsii.String("LATEST")}),
			InputFormat:         awskinesisfirehose.InputFormat_OPENX_JSON(),
			OutputFormat:        awskinesisfirehose.OutputFormat_PARQUET(),
		}
	}
	ds := awskinesisfirehose.NewDeliveryStream(d.stack, jsii.String(id+"Delivery"), &awskinesisfirehose.DeliveryStreamProps{
		DeliveryStreamName: jsii.String(d.env.DeliveryStreamName(cfg.Name)),
		Source:             awskinesisfirehose.NewKinesisStreamSource(stream),
		Destination:        awskinesisfirehose.NewS3Bucket(d.bronze, destination),
		Role:               deliveryRole,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(ds, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-KDF1"),
		Reason: jsii.String("The source is a Kinesis data stream encrypted with the stream key; Firehose refuses its own server-side " +
			"encryption with a Kinesis source, and writes every object SSE-KMS with the data-lake key."),
	}}, jsii.Bool(true))
	return ds
}

// deliveryPolicy is everything one delivery stream's role may do: read its stream, write its
// bronze prefix and error prefix, use the two keys for exactly those, log delivery errors and,
// for Parquet, read its schema table.
func (d *delivery) deliveryPolicy(cfg config.Stream, stream awskinesis.Stream, streamKey awskms.IKey, logGroup awslogs.ILogGroup, schema awsglue.CfnTable) awsiam.PolicyDocument {
	dataPrefix := config.BronzeKinesisPrefix(cfg.Name)
	errorPrefix := config.BronzeErrorsPrefix + config.BronzeKinesisPrefix(cfg.Name)
	objects := []*string{d.bronze.ArnForObjects(jsii.String(dataPrefix + "*")), d.bronze.ArnForObjects(jsii.String(errorPrefix + "*"))}
	statements := []awsiam.PolicyStatement{
		statement("ReadStream", []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"},
			[]*string{stream.StreamArn()}, nil),
		statement("DecryptStream", []string{"kms:Decrypt"}, []*string{streamKey.KeyArn()},
			map[string]any{"StringEquals": map[string]any{"kms:EncryptionContext:aws:kinesis:arn": stream.StreamArn()}}),
		// AWS's documented Firehose role, bucket-level. No s3:prefix condition: a HeadBucket
		// check is authorized as ListBucket and carries no prefix, so one would deny it.
		statement("LocateBucket", []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"}, []*string{d.bronze.BucketArn()}, nil),
		statement("WritePrefix", []string{"s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"}, objects, nil),
		// With an S3 Bucket Key the encryption context is the bucket's ARN, without it the
		// object's: allow both, and only through S3.
		statement("EncryptObjects", []string{"kms:GenerateDataKey", "kms:Decrypt"}, []*string{d.dataKey.KeyArn()}, map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", d.env.Region)},
			"StringLike":   map[string]any{"kms:EncryptionContext:aws:s3:arn": append([]*string{d.bronze.BucketArn()}, objects...)},
		}),
		statement("LogDeliveryErrors", []string{"logs:PutLogEvents"}, []*string{logGroup.LogGroupArn()}, nil),
	}
	if schema != nil {
		statements = append(statements, statement("ReadSchema", []string{"glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"}, []*string{
			d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String("catalog")}),
			d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String("database"), ResourceName: jsii.String(d.env.StreamSchemaDatabaseName())}),
			d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String("table"),
				ResourceName: jsii.String(d.env.StreamSchemaDatabaseName() + "/" + config.StreamSchemaTableName(cfg.Name))}),
		}, nil))
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})
}

func statement(sid string, actions []string, resources []*string, conditions map[string]any) awsiam.PolicyStatement {
	props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources}
	if conditions != nil {
		props.Conditions = &conditions
	}
	return awsiam.NewPolicyStatement(props)
}

// suppressPrefixWildcards accepts the only wildcards of a delivery role: the object keys under
// the stream's data and error prefixes, which Firehose names at delivery time.
func (d *delivery) suppressPrefixWildcards(role awsiam.Role, stream string) {
	var appliesTo []any
	for _, prefix := range []string{config.BronzeKinesisPrefix(stream), config.BronzeErrorsPrefix + config.BronzeKinesisPrefix(stream)} {
		appliesTo = append(appliesTo, &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::.*\/` + strings.ReplaceAll(prefix, "/", `\/`) + `\*$/`)})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Firehose names each object at delivery (date partitions, file IDs): the role may write only keys under this stream's bronze prefix and error prefix."),
		AppliesTo: &appliesTo,
	}}, jsii.Bool(true))
}

// newSchemaTable creates the Glue table Firehose converts a Parquet stream's records through.
// It lives in the stack's own schema database, not in the bronze layer's database (owned by the
// Catalog stack), so the schema deploys with its stream. awsglue has no L2 in aws-cdk-lib
// (only the alpha module), hence the L1 resources.
func (d *delivery) newSchemaTable(id string, cfg config.Stream) awsglue.CfnTable {
	if d.schemas == nil {
		d.schemas = awsglue.NewCfnDatabase(d.stack, jsii.String("SchemaDatabase"), &awsglue.CfnDatabaseProps{
			CatalogId: d.stack.Account(),
			DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
				Name:        jsii.String(d.env.StreamSchemaDatabaseName()),
				Description: jsii.String("Schemas that Firehose converts Kinesis streams to Parquet with; the delivered data is crawled into " + d.env.DatabaseName(config.LayerBronze)),
			},
		})
		d.schemas.ApplyRemovalPolicy(removalPolicy(d.env), nil)
	}
	columns := make([]any, len(cfg.Columns))
	for i, c := range cfg.Columns {
		columns[i] = &awsglue.CfnTable_ColumnProperty{Name: jsii.String(c.Name), Type: jsii.String(c.Type)}
	}
	table := awsglue.NewCfnTable(d.stack, jsii.String(id+"Schema"), &awsglue.CfnTableProps{
		CatalogId:    d.stack.Account(),
		DatabaseName: d.schemas.Ref(),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:        jsii.String(config.StreamSchemaTableName(cfg.Name)),
			Description: jsii.String("Parquet schema of stream " + d.env.StreamName(cfg.Name)),
			TableType:   jsii.String("EXTERNAL_TABLE"),
			Parameters:  map[string]any{"classification": "parquet"},
			StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
				Columns:      &columns,
				Location:     jsii.String(d.env.BucketURI(config.BucketBronze, config.BronzeKinesisPrefix(cfg.Name))),
				InputFormat:  jsii.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
				OutputFormat: jsii.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"),
				SerdeInfo:    &awsglue.CfnTable_SerdeInfoProperty{SerializationLibrary: jsii.String("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")},
			},
		},
	})
	table.ApplyRemovalPolicy(removalPolicy(d.env), nil)
	return table
}
