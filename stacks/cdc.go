package stacks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/logs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// CdcStackProps configures NewCdcStack.
type CdcStackProps struct {
	// Env is the environment being built.
	Env config.Environment
	// Vpc hosts the replication instance in its private subnets.
	Vpc awsec2.IVpc
	// SecretsManager is the interface endpoint DMS reads the source's credentials through.
	SecretsManager awsec2.IInterfaceVpcEndpoint
	// S3 is the region's S3 prefix list (the gateway endpoint DMS writes bronze through).
	S3 awsec2.IPeer
	// Database is the source; the replication instance is admitted to its port.
	Database awsrds.IDatabaseInstance
	// DatabaseSecret holds the credentials the source endpoint reads.
	DatabaseSecret awssecretsmanager.ISecret
	// DatabaseKey encrypts the secret; it also encrypts the replication instance's storage,
	// which caches the same data.
	DatabaseKey awskms.IKey
	// LogsKey encrypts the task's log group (a key CloudWatch Logs may use).
	LogsKey awskms.IKey
	// Bronze receives the parquet files under config.BronzeRDSPrefix.
	Bronze awss3.IBucket
	// DataKey encrypts bronze; DMS writes with SSE-KMS under it.
	DataKey awskms.IKey
}

// CdcStack copies the database into bronze with DMS: a full load, then every change.
//
// AWS DMS has no L2 constructs in aws-cdk-lib, so everything DMS here is an L1 (Cfn*).
//
// DMS finds the account-wide roles dms-vpc-role and dms-cloudwatch-logs-role by name. They
// live in the account-<id> stage (stacks/account.go), which no stack of this stage can depend
// on: CDK has no dependencies across stages. So CloudFormation orders them: the subnet group
// imports the account stack's export dms-vpc-role-arn, and a Cdc stack deployed before the
// account stage fails at once with "No export named dms-vpc-role-arn" (docs/operations.md,
// "Deploying one environment").
type CdcStack struct {
	awscdk.Stack
	// SecurityGroup is the replication instance's; the database admits it on its port.
	SecurityGroup awsec2.SecurityGroup
	// ReplicationInstance runs the task (for alarms on its CPU, memory and storage).
	ReplicationInstance awsdms.CfnReplicationInstance
	// ReplicationTask is the full-load-and-cdc task; it is started by hand once (docs/operations.md).
	ReplicationTask awsdms.CfnReplicationTask
	// TaskLogGroup receives the task's logs.
	TaskLogGroup awslogs.LogGroup
}

// NewCdcStack creates the replication instance, its endpoints, their roles and the task.
func NewCdcStack(scope constructs.Construct, id string, props *CdcStackProps) *CdcStack {
	env, cdc := props.Env, props.Env.Cdc
	stack := newStack(scope, id, env, "DMS change data capture from the source database into bronze of "+env.Name)
	s := &CdcStack{Stack: stack}

	s.SecurityGroup = awsec2.NewSecurityGroup(stack, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("DMS replication instance: PostgreSQL to the source database, HTTPS to S3 and the Secrets Manager endpoint"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// DMS writes bronze through the S3 gateway endpoint (S3 itself calls KMS for SSE-KMS) and
	// reads the source's secret through the interface endpoint: nothing needs the internet.
	s.SecurityGroup.AddEgressRule(props.S3, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to S3 through the gateway endpoint"), nil)
	s.SecurityGroup.Connections().AllowTo(props.SecretsManager, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("DMS replication instance"))
	// AllowTo from this side puts the database's ingress rule in this stack (the consumer's), so
	// the Database stack never references this one: no cycle, and removing CDC removes access.
	s.SecurityGroup.Connections().AllowTo(props.Database, awsec2.Port_Tcp(jsii.Number(DatabasePort)), jsii.String("DMS replication instance"))

	subnets := props.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)})
	subnetGroup := awsdms.NewCfnReplicationSubnetGroup(stack, jsii.String("SubnetGroup"), &awsdms.CfnReplicationSubnetGroupProps{
		ReplicationSubnetGroupDescription: jsii.String("Private subnets of the DMS replication instance of " + env.Name),
		SubnetIds:                         subnets.SubnetIds,
		// DMS creates the group with the account-wide dms-vpc-role, in another stage. Importing
		// its export (FACTS: the subnet group depends on the roles) orders this stack after the
		// account stack; a tag is the one property that can carry the import.
		Tags: &[]*awscdk.CfnTag{{Key: jsii.String(DmsVpcRoleName), Value: awscdk.Fn_ImportValue(jsii.String(DmsRolesExport))}},
	})
	s.ReplicationInstance = awsdms.NewCfnReplicationInstance(stack, jsii.String("ReplicationInstance"), &awsdms.CfnReplicationInstanceProps{
		ReplicationInstanceIdentifier:    jsii.String(env.ReplicationInstanceIdentifier()),
		ReplicationInstanceClass:         jsii.String(cdc.InstanceClass),
		AllocatedStorage:                 jsii.Number(float64(cdc.AllocatedStorageGiB)),
		MultiAz:                          jsii.Bool(cdc.MultiAZ),
		EngineVersion:                    jsii.String(cdc.EngineVersion),
		PubliclyAccessible:               jsii.Bool(false),
		KmsKeyId:                         props.DatabaseKey.KeyArn(),
		ReplicationSubnetGroupIdentifier: subnetGroup.Ref(),
		VpcSecurityGroupIds:              jsii.Strings(*s.SecurityGroup.SecurityGroupId()),
		AutoMinorVersionUpgrade:          jsii.Bool(true),
	})

	source := sourceEndpoint(stack, env, props)
	target := targetEndpoint(stack, env, props)

	// DMS names the task's log group after the instance; creating it first gives it KMS and
	// a retention. DMS writes to it through the account's dms-cloudwatch-logs-role.
	s.TaskLogGroup = logs.NewGroup(stack, "TaskLogGroup", &logs.GroupProps{
		LogGroupName:  jsii.String(env.DmsTaskLogGroupName()),
		Key:           props.LogsKey,
		RetentionDays: cdc.LogRetentionDays,
		RemovalPolicy: removalPolicy(env),
	})
	s.ReplicationTask = awsdms.NewCfnReplicationTask(stack, jsii.String("ReplicationTask"), &awsdms.CfnReplicationTaskProps{
		ReplicationTaskIdentifier: jsii.String(env.ReplicationTaskIdentifier()),
		MigrationType:             jsii.String("full-load-and-cdc"),
		ReplicationInstanceArn:    s.ReplicationInstance.Ref(),
		SourceEndpointArn:         source.Ref(),
		TargetEndpointArn:         target.Ref(),
		TableMappings:             jsii.String(mustJSON(TableMappings(cdc))),
		ReplicationTaskSettings:   jsii.String(mustJSON(replicationTaskSettings())),
	})
	s.ReplicationTask.Node().AddDependency(s.TaskLogGroup)

	awscdk.NewCfnOutput(stack, jsii.String("ReplicationTaskArn"), &awscdk.CfnOutputProps{
		Value:       s.ReplicationTask.Ref(),
		Description: jsii.String("Start once after the first deploy: aws dms start-replication-task --start-replication-task-type start-replication --replication-task-arn <this>"),
	})
	return s
}

// sourceEndpoint reads the database through a role that may read exactly its secret. TLS is
// required: PostgreSQL 15+ on RDS forces it (rds.force_ssl), and so does our parameter group.
func sourceEndpoint(stack awscdk.Stack, env config.Environment, props *CdcStackProps) awsdms.CfnEndpoint {
	role := awsiam.NewRole(stack, jsii.String("SourceSecretRole"), &awsiam.RoleProps{
		// DMS assumes secret-access roles through its regional service principal.
		AssumedBy:   servicePrincipalFor(env, fmt.Sprintf("dms.%s.amazonaws.com", env.Region)),
		Description: jsii.String("Lets DMS read the source database's secret"),
	})
	// Written out rather than Secret.GrantRead, which would add the role to the database key's
	// policy and so make the Database stack reference this one (a cycle).
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadDatabaseSecret"),
		Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
		Resources: jsii.Strings(*props.DatabaseSecret.SecretArn()),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DecryptDatabaseSecret"),
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings(*props.DatabaseKey.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", env.Region)}},
	}))
	endpoint := awsdms.NewCfnEndpoint(stack, jsii.String("SourceEndpoint"), &awsdms.CfnEndpointProps{
		EndpointType: jsii.String("source"),
		EngineName:   jsii.String("postgres"),
		DatabaseName: jsii.String(env.Database.DatabaseName),
		SslMode:      jsii.String("require"),
		PostgreSqlSettings: &awsdms.CfnEndpoint_PostgreSqlSettingsProperty{
			SecretsManagerSecretId:      props.DatabaseSecret.SecretArn(),
			SecretsManagerAccessRoleArn: role.RoleArn(),
			// A heartbeat moves the slot's position on an idle database, so WAL does not pile up.
			HeartbeatEnable: jsii.Bool(true),
			// text is a LOB (NCLOB) to DMS, and limited LOB mode truncates a longer value with only
			// a warning in the log: "If task is set to Limited LOB mode and this option is set to
			// true, the task fails instead of truncating the LOB data" (CloudFormation,
			// PostgreSqlSettings.FailTasksOnLobTruncation). See LobMaxSizeKB.
			FailTasksOnLobTruncation: jsii.Bool(true),
		},
	})
	endpoint.Node().AddDependency(role)
	return endpoint
}

// targetEndpoint writes parquet into bronze under config.BronzeRDSPrefix, SSE-KMS with the data
// key, through a role that may write only under that prefix.
func targetEndpoint(stack awscdk.Stack, env config.Environment, props *CdcStackProps) awsdms.CfnEndpoint {
	prefix := config.BronzeRDSPrefix
	role := awsiam.NewRole(stack, jsii.String("TargetRole"), &awsiam.RoleProps{
		AssumedBy:   servicePrincipalFor(env, "dms.amazonaws.com"),
		Description: jsii.String("Lets DMS write the source database's tables under s3://<bronze>/" + prefix),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteRdsPrefix"),
		Actions:   jsii.Strings("s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"),
		Resources: jsii.Strings(*props.Bronze.ArnForObjects(jsii.String(prefix + "*"))),
	}))
	// DMS's documented S3 target policy lists the bucket without a prefix condition: DMS checks
	// the bucket itself (no prefix) before it writes. Objects stay confined to rds/ above.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ListBronze"),
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: jsii.Strings(*props.Bronze.BucketArn()),
	}))
	// The data-lake key also encrypts silver and gold: DMS may use it only through S3, for
	// bronze (with a bucket key, S3 passes the bucket's ARN as encryption context).
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("EncryptWithDataKey"),
		Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources: jsii.Strings(*props.DataKey.KeyArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", env.Region)},
			"StringLike":   map[string]any{"kms:EncryptionContext:aws:s3:arn": []*string{props.Bronze.BucketArn(), props.Bronze.ArnForObjects(jsii.String(prefix + "*"))}},
		},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("DMS writes one object per table and batch under the rds/ prefix of bronze; the wildcard is confined to that prefix."),
		AppliesTo: &[]any{map[string]any{
			// e.g. Resource::<BronzeBucketFF082204.Arn>/rds/*: cdk-nag's rendering of the ARN.
			"regex": "/^Resource::<" + *props.Bronze.Node().Id() + "[0-9A-F]{8}\\.Arn>\\/" + strings.TrimSuffix(prefix, "/") + "\\/\\*$/g",
		}},
	}}, jsii.Bool(true))

	endpoint := awsdms.NewCfnEndpoint(stack, jsii.String("TargetEndpoint"), &awsdms.CfnEndpointProps{
		EndpointType: jsii.String("target"),
		EngineName:   jsii.String("s3"),
		S3Settings: &awsdms.CfnEndpoint_S3SettingsProperty{
			BucketName:           props.Bronze.BucketName(),
			BucketFolder:         jsii.String(strings.TrimSuffix(prefix, "/")),
			ExpectedBucketOwner:  jsii.String(env.Account),
			ServiceAccessRoleArn: role.RoleArn(),
			DataFormat:           jsii.String("parquet"),
			ParquetVersion:       jsii.String("parquet-2-0"),
			TimestampColumnName:  jsii.String(env.Cdc.TimestampColumnName),
			IncludeOpForFullLoad: jsii.Bool(true),
			// No date folders: with them, full-load files sit in the table folder and changes
			// in <yyyy>/<mm>/<dd>/ below it, and once a crawler makes those partitions, Athena
			// and Hive-style readers skip the full load. One flat folder per table is read whole
			// by Glue, Athena and Spark alike (docs/stacks.md, "Source capture").
			DatePartitionEnabled:         jsii.Bool(false),
			EncryptionMode:               jsii.String("SSE_KMS"),
			ServerSideEncryptionKmsKeyId: props.DataKey.KeyArn(),
		},
	})
	endpoint.Node().AddDependency(role)
	return endpoint
}

// TableMappingRules is the JSON document of a DMS task's table mappings.
type TableMappingRules struct {
	Rules []MappingRule `json:"rules"`
}

// MappingRule is a selection rule (include or exclude the tables its object locator matches)
// or a transformation rule (here: add a column computed from a DMS expression).
type MappingRule struct {
	RuleType      string        `json:"rule-type"`
	RuleID        string        `json:"rule-id"`
	RuleName      string        `json:"rule-name"`
	RuleTarget    string        `json:"rule-target,omitempty"`
	ObjectLocator ObjectLocator `json:"object-locator"`
	RuleAction    string        `json:"rule-action"`
	Value         string        `json:"value,omitempty"`
	Expression    string        `json:"expression,omitempty"`
	DataType      *DataType     `json:"data-type,omitempty"`
}

// DataType is the type of a column a transformation rule adds.
type DataType struct {
	Type   string `json:"type"`
	Length int    `json:"length,omitempty"`
}

// ObjectLocator names a schema and a table pattern.
type ObjectLocator struct {
	SchemaName string `json:"schema-name"`
	TableName  string `json:"table-name"`
}

// TableMappings turns config's selectors into selection rules: includes first, then excludes,
// then DMS's own artefact tables (config.DMSArtifactTables) in every included schema, numbered
// in that order. A last rule adds config.BronzeCDCSequenceColumn to every row.
func TableMappings(cdc config.Cdc) TableMappingRules {
	var rules []MappingRule
	add := func(action string, selectors []config.TableSelector) {
		for _, sel := range selectors {
			n := len(rules) + 1
			rules = append(rules, MappingRule{
				RuleType:      "selection",
				RuleID:        fmt.Sprint(n),
				RuleName:      fmt.Sprintf("%s-%d", action, n),
				ObjectLocator: ObjectLocator{SchemaName: sel.Schema, TableName: sel.Table},
				RuleAction:    action,
			})
		}
	}
	add("include", cdc.Include)
	add("exclude", cdc.Exclude)
	var artefacts []config.TableSelector
	for _, sel := range cdc.Include {
		if !slices.ContainsFunc(artefacts, func(a config.TableSelector) bool { return a.Schema == sel.Schema }) {
			artefacts = append(artefacts, config.TableSelector{Schema: sel.Schema, Table: config.DMSArtifactTables})
		}
	}
	add("exclude", artefacts)
	n := len(rules) + 1
	rules = append(rules, MappingRule{
		RuleType:      "transformation",
		RuleID:        fmt.Sprint(n),
		RuleName:      fmt.Sprintf("add-column-%d", n),
		RuleTarget:    "column",
		ObjectLocator: ObjectLocator{SchemaName: "%", TableName: "%"},
		RuleAction:    "add-column",
		Value:         config.BronzeCDCSequenceColumn,
		// AR_H_CHANGE_SEQ: a timestamp and an incrementing number from the source, unique
		// per change; 35 characters for PostgreSQL, with room to spare.
		Expression: "$AR_H_CHANGE_SEQ",
		DataType:   &DataType{Type: "string", Length: 50},
	})
	return TableMappingRules{Rules: rules}
}

// taskSettings is the part of DMS's task settings document this platform sets.
type taskSettings struct {
	TargetMetadata   targetMetadata   `json:"TargetMetadata"`
	Logging          taskLogging      `json:"Logging"`
	FullLoadSettings fullLoadSettings `json:"FullLoadSettings"`
}

// LobMaxSizeKB is the largest LOB value the task replicates, in kilobytes as DMS counts them;
// the source's text columns are LOBs (NCLOB) to DMS. Limited LOB mode is the only one an S3
// target takes ("Full LOB mode is not supported", S3 target limitations; inline LOB mode needs
// full LOB mode), and it truncates a longer value, so the source endpoint fails the task instead
// (FailTasksOnLobTruncation): no text reaches bronze cut short. 63 KB is the most that keeps the
// full load fast: "Using the Max LOB size (K) option with a value greater than 63KB impacts the
// performance of a full load configured to run in limited LOB mode"
// (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.LOBSupport.html). DMS counts an
// NCLOB character as 2 bytes (4 outside the Basic Multilingual Plane): 32,256 characters, or
// 16,128. The DMS contract (jobs/tests/contracts/dms.yaml) states the same number; a test
// compares them.
const LobMaxSizeKB = 63

// targetMetadata holds the task's LOB settings: limited LOB mode at LobMaxSizeKB.
type targetMetadata struct {
	SupportLobs        bool `json:"SupportLobs"`
	FullLobMode        bool `json:"FullLobMode"`
	LimitedSizeLobMode bool `json:"LimitedSizeLobMode"`
	LobMaxSize         int  `json:"LobMaxSize"`
}

type taskLogging struct {
	EnableLogging bool `json:"EnableLogging"`
}

type fullLoadSettings struct {
	TargetTablePrepMode string `json:"TargetTablePrepMode"`
}

// replicationTaskSettings turns CloudWatch logging on, keeps bronze's history when the task is
// restarted (DO_NOTHING leaves earlier files in place instead of dropping the folder), and
// replicates LOBs in limited LOB mode (LobMaxSizeKB).
func replicationTaskSettings() taskSettings {
	return taskSettings{
		TargetMetadata:   targetMetadata{SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: LobMaxSizeKB},
		Logging:          taskLogging{EnableLogging: true},
		FullLoadSettings: fullLoadSettings{TargetTablePrepMode: "DO_NOTHING"},
	}
}

// mustJSON encodes a value built from typed config; it cannot fail for these types.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
