// Package securebucket makes the only kind of S3 bucket the platform creates: private,
// TLS-only, encrypted, access-logged, versioned and cleaned of abandoned uploads.
package securebucket

import (
	"dataplatform/constructs/removal"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Props configures New. Its zero values are the safe choices; AccessLogs is required, and so
// is Key unless S3Managed is set.
type Props struct {
	// BucketName is the bucket's global name (see config.Environment.BucketName).
	BucketName string
	// Key encrypts every object with SSE-KMS; a bucket key keeps the KMS request cost down.
	Key awskms.IKey
	// S3Managed encrypts with SSE-S3 instead of a KMS key, and then Key must be nil. Only for a
	// bucket that a third party writes without access to our keys: the Databricks workspace
	// root bucket, whose KMS option needs a Databricks customer-managed-key configuration.
	S3Managed bool
	// AccessLogs receives this bucket's server access logs under AccessLogsPrefix.
	AccessLogs awss3.IBucket
	// AccessLogsPrefix is where in AccessLogs this bucket's logs go, e.g. "bronze/".
	AccessLogsPrefix string
	// Unversioned turns versioning off; leave it false wherever data must survive mistakes.
	Unversioned bool
	// LifecycleRules come on top of the rule that aborts incomplete multipart uploads.
	LifecycleRules []*awss3.LifecycleRule
	// RemovalPolicy defaults to RETAIN; DESTROY also empties the bucket before deleting it.
	RemovalPolicy awscdk.RemovalPolicy
	// RequestMetrics publishes S3's CloudWatch request metrics (4xxErrors, 5xxErrors, latency)
	// for the whole bucket under the filter ID RequestMetricsFilter, for alarms to watch. S3
	// bills them as custom metrics, so they are opt-in.
	RequestMetrics bool
}

// RequestMetricsFilter is the FilterId dimension of a bucket's request metrics when
// Props.RequestMetrics is on.
const RequestMetricsFilter = "EntireBucket"

// New creates a data bucket: SSE-KMS with a bucket key (or SSE-S3 where S3Managed), all four
// public-access blocks, TLS 1.2+ only, server access logging, versioning and an
// abort-multipart rule.
func New(scope constructs.Construct, id string, props *Props) awss3.Bucket {
	if props.AccessLogs == nil || (props.Key == nil) != props.S3Managed {
		panic("securebucket: " + id + " needs AccessLogs, and either Key or S3Managed")
	}
	encryption, bucketKey := awss3.BucketEncryption_KMS, jsii.Bool(true)
	if props.S3Managed {
		encryption, bucketKey = awss3.BucketEncryption_S3_MANAGED, nil
	}
	bucket := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BucketName:             jsii.String(props.BucketName),
		Encryption:             encryption,
		EncryptionKey:          props.Key,
		BucketKeyEnabled:       bucketKey,
		ServerAccessLogsBucket: props.AccessLogs,
		ServerAccessLogsPrefix: jsii.String(props.AccessLogsPrefix),
		Versioned:              jsii.Bool(!props.Unversioned),
		LifecycleRules:         withAbortMultipart(props.LifecycleRules),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		RemovalPolicy:          removal.OrRetain(props.RemovalPolicy),
		AutoDeleteObjects:      jsii.Bool(props.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
		Metrics:                requestMetrics(props.RequestMetrics),
	})
	suppressAutoDeleteProvider(scope, props.RemovalPolicy)
	return bucket
}

// requestMetrics is the one metrics configuration a bucket with request metrics gets.
func requestMetrics(on bool) *[]*awss3.BucketMetrics {
	if !on {
		return nil
	}
	return &[]*awss3.BucketMetrics{{Id: jsii.String(RequestMetricsFilter)}}
}

// AccessLogsProps configures NewAccessLogs.
type AccessLogsProps struct {
	// BucketName is the bucket's global name.
	BucketName string
	// ExpirationDays deletes log objects after this many days.
	ExpirationDays int
	// RemovalPolicy defaults to RETAIN; DESTROY also empties the bucket before deleting it.
	RemovalPolicy awscdk.RemovalPolicy
}

// NewAccessLogs creates the bucket that receives the other buckets' server access logs. It
// differs from New in two ways S3 imposes: log delivery cannot write SSE-KMS objects, so it
// uses SSE-S3, and it does not log to itself.
func NewAccessLogs(scope constructs.Construct, id string, props *AccessLogsProps) awss3.Bucket {
	bucket := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BucketName:        jsii.String(props.BucketName),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		LifecycleRules: withAbortMultipart([]*awss3.LifecycleRule{{
			Id:                          jsii.String("expire-logs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(float64(props.ExpirationDays))),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
		}}),
		RemovalPolicy:     removal.OrRetain(props.RemovalPolicy),
		AutoDeleteObjects: jsii.Bool(props.RemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	})
	suppressAutoDeleteProvider(scope, props.RemovalPolicy)
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This is the server-access-log destination of the other buckets; logging it to itself would loop."),
	}}, jsii.Bool(false))
	return bucket
}

// withAbortMultipart prepends the rule every bucket gets: abandoned multipart uploads are
// invisible, yet billed, until aborted.
func withAbortMultipart(rules []*awss3.LifecycleRule) *[]*awss3.LifecycleRule {
	all := append([]*awss3.LifecycleRule{{
		Id:                                  jsii.String("abort-incomplete-multipart-uploads"),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
	}}, rules...)
	return &all
}

// autoDeleteProviderID is the fixed ID of the Lambda provider CDK adds to a stack, once, for
// every bucket with AutoDeleteObjects.
const autoDeleteProviderID = "Custom::S3AutoDeleteObjectsCustomResourceProvider"

// suppressAutoDeleteProvider scopes cdk-nag's finding on that provider, which exists only
// where removal is destroy (develop), so that no stack has to remember it. cdk-nag keeps one
// suppression per rule, so a second bucket in the stack changes nothing.
func suppressAutoDeleteProvider(scope constructs.Construct, policy awscdk.RemovalPolicy) {
	if policy != awscdk.RemovalPolicy_DESTROY {
		return
	}
	stack := awscdk.Stack_Of(scope)
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack,
		jsii.String(*stack.Node().Path()+"/"+autoDeleteProviderID),
		&[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-IAM4"),
			Reason: jsii.String("CDK's own auto-delete provider uses AWSLambdaBasicExecutionRole to write its logs; it exists only in environments whose removal is destroy."),
		}}, jsii.Bool(true))
}
