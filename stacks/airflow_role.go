package stacks

import (
	"fmt"
	"regexp"
	"strings"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// executionStatements is the MWAA execution role's policy, written by hand: what MWAA itself
// needs (AWS's documented execution-role policy, scoped to this environment) plus what the
// platform's DAGs do.
func executionStatements(stack awscdk.Stack, env config.Environment, s *AirflowStack, props *AirflowStackProps) *[]awsiam.PolicyStatement {
	name := env.AirflowEnvironmentName()
	arn := func(service, resource string) string { return arnOf(stack, service, resource) }
	region := *stack.Region()
	stmt := func(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
		return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)})
	}
	viaServices := func(services ...string) *map[string]any {
		var via []string
		for _, svc := range services {
			via = append(via, fmt.Sprintf("%s.%s.amazonaws.com", svc, region))
		}
		return &map[string]any{"StringEquals": map[string]any{"kms:ViaService": via}}
	}
	sourceBucket := *s.SourceBucket.BucketArn()
	bronze := *props.Bronze.BucketArn()

	var crawlers []string
	for _, family := range config.CrawlerFamilies {
		crawlers = append(crawlers, *props.Crawlers[family].Arn)
	}
	results := *props.QueryResults.BucketArn()
	dbtResults := results + "/" + props.DbtWorkgroup.ResultsPrefix
	catalog := []string{arn("glue", "catalog")}
	for _, layer := range lakeLayers {
		catalog = append(catalog, arn("glue", "database/"+env.DatabaseName(layer)))
	}
	catalog = append(catalog, tableArns(stack, env)...)

	statements := []awsiam.PolicyStatement{
		// MWAA itself.
		stmt("PublishMetrics", []string{"airflow:PublishMetrics"}, arn("airflow", "environment/"+name)),
		stmt("ReadSourceBucket", []string{"s3:GetObject*", "s3:GetBucket*", "s3:List*"}, sourceBucket, sourceBucket+"/*"),
		// Account-level S3 and CloudWatch calls have no resource to scope to.
		stmt("AccountLevelReads", []string{"s3:GetAccountPublicAccessBlock", "logs:DescribeLogGroups", "cloudwatch:PutMetricData"}, "*"),
		stmt("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents",
			"logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults"},
			airflowLogGroupsArn(stack, env)),
		// The Celery queue lives in an account owned by MWAA, hence the * account.
		stmt("CeleryQueue", []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
			"sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"},
			celeryQueuesArn(stack)),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("EnvironmentKeyViaSqsAndS3"),
			Actions:    jsii.Strings("kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"),
			Resources:  jsii.Strings(*s.Key.KeyArn()),
			Conditions: viaServices("sqs", "s3"),
		}),
		// What the DAGs do.
		stmt("WriteBronzeAPI", []string{"s3:PutObject", "s3:AbortMultipartUpload"}, bronze+"/"+config.BronzeAPIRoot+"*"),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DataKeyViaS3"),
			Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
			Resources:  jsii.Strings(*props.DataKey.KeyArn()),
			Conditions: viaServices("s3"),
		}),
		stmt("RunBronzeCrawlers", []string{"glue:StartCrawler", "glue:GetCrawler"}, crawlers...),
		stmt("QueryDbtWorkgroup", []string{"athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
			"athena:GetQueryResults", "athena:GetWorkGroup"}, *props.DbtWorkgroup.Arn),
		// Athena writes a query's results with the caller's credentials, under the workgroup's
		// prefix; dbt-athena deletes the data of the temporary tables it makes there (dbt's unit
		// tests) when it drops them.
		stmt("WriteDbtQueryResults", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, dbtResults+"*"),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ListDbtQueryResults"),
			Actions:    jsii.Strings("s3:ListBucket", "s3:GetBucketLocation"),
			Resources:  jsii.Strings(results),
			Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{props.DbtWorkgroup.ResultsPrefix + "*"}}},
		}),
		stmt("ReadCatalog", []string{"glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
			"glue:GetPartition", "glue:GetPartitions"}, catalog...),
		// The Secrets Manager backend reads connections under the environment's prefix only;
		// operators encrypt those secrets with the environment key (docs/operations.md).
		stmt("ReadAirflowConnections", []string{"secretsmanager:GetSecretValue"}, connectionSecretsArn(stack, env)),
		// ... and decrypt them, only through Secrets Manager and only for secrets under that
		// prefix: Secrets Manager names the secret in the encryption context.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("EnvironmentKeyViaSecretsManager"),
			Actions:   jsii.Strings("kms:Decrypt"),
			Resources: jsii.Strings(*s.Key.KeyArn()),
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": []string{fmt.Sprintf("secretsmanager.%s.amazonaws.com", region)}},
				"StringLike":   map[string]any{"kms:EncryptionContext:SecretARN": connectionSecretsArn(stack, env)},
			},
		}),
		// Failed tasks alert the environment's topic (dags/platform_lib/alerts.py).
		stmt("PublishAlerts", []string{"sns:Publish"}, alertTopicArn(stack, env)),
		// SNS encrypts the message with the topic's key as the publisher. Its ARN is Monitoring's,
		// built after this stack, so the key is named by its alias, and used through SNS only.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AlertsKeyViaSns"),
			Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
			Resources: jsii.Strings(arn("kms", "key/*")),
			Conditions: &map[string]any{
				"StringEquals":             map[string]any{"kms:ViaService": fmt.Sprintf("sns.%s.amazonaws.com", region)},
				"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": "alias/" + env.AlertsKeyAlias()},
			},
		}),
	}
	if env.Databricks.Enabled {
		statements = append(statements, dbtStatements(stack, env, props, stmt)...)
	}
	statements = append(statements, smokeStatements(stack, env, props, stmt)...)
	return &statements
}

// smokeStatements are what platform_smoke does beyond the other DAGs: read what arrives in
// bronze's producer prefixes, query as an analyst, publish its latencies, and, where
// smoke.writeSources is on, write its canary rows as the canary role (its secret) and its
// events on the streams, after checking the DMS task runs.
func smokeStatements(stack awscdk.Stack, env config.Environment, props *AirflowStackProps,
	stmt func(string, []string, ...string) awsiam.PolicyStatement) []awsiam.PolicyStatement {
	region := *stack.Region()
	bronze := *props.Bronze.BucketArn()
	prefixes := smokeBronzePrefixes(env)
	var objects, listed []string
	for _, prefix := range prefixes {
		objects = append(objects, bronze+"/"+prefix+"*")
		listed = append(listed, prefix+"*")
	}
	out := []awsiam.PolicyStatement{
		stmt("SmokeReadsBronze", []string{"s3:GetObject"}, objects...),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("SmokeListsBronze"),
			Actions:    jsii.Strings("s3:ListBucket"),
			Resources:  jsii.Strings(bronze),
			Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": listed}},
		}),
		stmt("SmokeAssumesAnalystRole", []string{"sts:AssumeRole"}, smokeAnalystRoleArn(stack, env)),
		// AccountLevelReads already allows PutMetricData anywhere, for MWAA itself; this is the
		// smoke's own need, which stays when that one is narrowed.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("SmokePublishesMetrics"),
			Actions:    jsii.Strings("cloudwatch:PutMetricData"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": env.SmokeMetricNamespace()}},
		}),
	}
	if !env.Smoke.WriteSources {
		return out
	}
	// DescribeReplicationTasks supports no resource-level permission (Service Authorization
	// Reference, AWS DMS): the DAG filters by the task's identifier (platform.dms_task_id).
	out = append(out, stmt("SmokeChecksDmsTask", []string{"dms:DescribeReplicationTasks"}, "*"),
		stmt("SmokeReadsCanarySecret", []string{"secretsmanager:GetSecretValue"}, smokeSecretArn(stack, env)),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DatabaseKeyViaSecretsManager"),
			Actions:   jsii.Strings("kms:Decrypt"),
			Resources: jsii.Strings(*props.DatabaseKey.KeyArn()),
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", region)},
				"StringLike":   map[string]any{"kms:EncryptionContext:SecretARN": smokeSecretArn(stack, env)},
			},
		}))
	if streams := streamArns(stack, env); len(streams) > 0 {
		out = append(out, stmt("SmokePutsRecords", []string{"kinesis:PutRecords"}, streams...),
			// Kinesis encrypts each record with the stream key as the producer, naming the
			// stream in the encryption context.
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("StreamKeyViaKinesis"),
				Actions:   jsii.Strings("kms:GenerateDataKey"),
				Resources: jsii.Strings(*props.StreamKey.KeyArn()),
				Conditions: &map[string]any{
					"StringEquals": map[string]any{
						"kms:ViaService":                        fmt.Sprintf("kinesis.%s.amazonaws.com", region),
						"kms:EncryptionContext:aws:kinesis:arn": streams,
					},
				},
			}))
	}
	return out
}

// smokeBronzePrefixes are the bronze prefixes the smoke waits in: DMS's, each stream's
// Firehose folder, and the API ingestion's.
func smokeBronzePrefixes(env config.Environment) []string {
	prefixes := []string{config.BronzeRDSPrefix}
	for _, st := range env.Streaming.Streams {
		prefixes = append(prefixes, config.BronzeKinesisPrefix(st.Name))
	}
	return append(prefixes, config.BronzeAPIRoot)
}

// streamArns are the environment's Kinesis streams, by their config-derived names.
func streamArns(stack awscdk.Stack, env config.Environment) []string {
	var arns []string
	for _, st := range env.Streaming.Streams {
		arns = append(arns, arnOf(stack, "kinesis", "stream/"+env.StreamName(st.Name)))
	}
	return arns
}

// smokeSecretArn covers the canary secret by its name (Secrets Manager appends six random
// characters to every secret's ARN).
func smokeSecretArn(stack awscdk.Stack, env config.Environment) string {
	return arnOf(stack, "secretsmanager", "secret:"+env.SmokeSecretName()+"-??????")
}

// smokeAnalystRoleArn is the smoke's analyst role, by its name: the option and the policy name
// it as a literal.
func smokeAnalystRoleArn(stack awscdk.Stack, env config.Environment) string {
	// IAM is global: its ARNs have no region.
	return *stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role/" + env.SmokeAnalystRoleName())})
}

// dbtStatements are what dbt on Athena needs beyond the workgroup, where there is silver to
// build gold from: Athena reads silver's objects and writes gold's (tables and Iceberg
// metadata; OPTIMIZE and VACUUM delete) with the caller's credentials, and dbt-athena creates,
// replaces and drops gold's tables in Glue.
func dbtStatements(stack awscdk.Stack, env config.Environment, props *AirflowStackProps,
	stmt func(string, []string, ...string) awsiam.PolicyStatement) []awsiam.PolicyStatement {
	silver, gold := *props.Silver.BucketArn(), *props.Gold.BucketArn()
	goldDB := env.DatabaseName(config.LayerGold)
	return []awsiam.PolicyStatement{
		stmt("DbtReadsSilver", []string{"s3:GetObject"}, silver+"/*"),
		stmt("DbtWritesGold", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, gold+"/*"),
		stmt("DbtListsSilverAndGold", []string{"s3:ListBucket", "s3:GetBucketLocation"}, silver, gold),
		stmt("DbtManagesGoldTables", []string{"glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:BatchDeleteTable",
			"glue:GetTableVersions", "glue:DeleteTableVersion", "glue:BatchDeleteTableVersion",
			"glue:BatchCreatePartition", "glue:BatchDeletePartition", "glue:CreatePartition", "glue:DeletePartition", "glue:UpdatePartition"},
			arnOf(stack, "glue", "catalog"), arnOf(stack, "glue", "database/"+goldDB), arnOf(stack, "glue", "table/"+goldDB+"/*")),
	}
}

var lakeLayers = []string{config.LayerBronze, config.LayerSilver, config.LayerGold}

// arnOf is an ARN in this stack's partition, region and account (all known at synth).
func arnOf(stack awscdk.Stack, service, resource string) string {
	return *stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(resource)})
}

// tableArns are the tables of the environment's three lake databases.
func tableArns(stack awscdk.Stack, env config.Environment) []string {
	var arns []string
	for _, layer := range lakeLayers {
		arns = append(arns, arnOf(stack, "glue", "table/"+env.DatabaseName(layer)+"/*"))
	}
	return arns
}

// airflowLogGroupsArn covers the five log groups MWAA creates: airflow-<name>-<LogType>.
func airflowLogGroupsArn(stack awscdk.Stack, env config.Environment) string {
	return arnOf(stack, "logs", "log-group:airflow-"+env.AirflowEnvironmentName()+"-*")
}

// connectionSecretsArn covers the Airflow connections' secrets: <connections prefix>/<conn id>
// (Secrets Manager appends a random suffix to every secret ARN).
func connectionSecretsArn(stack awscdk.Stack, env config.Environment) string {
	return arnOf(stack, "secretsmanager", "secret:"+env.AirflowConnectionsPrefix()+"/*")
}

// celeryQueuesArn covers the Celery queues MWAA keeps in its own account, hence the * account.
func celeryQueuesArn(stack awscdk.Stack) string {
	return fmt.Sprintf("arn:%s:sqs:%s:*:airflow-celery-*", *stack.Partition(), *stack.Region())
}

// suppressExecutionPolicyWildcards explains each wildcard of the execution policy to cdk-nag,
// naming each one exactly.
func suppressExecutionPolicyWildcards(stack awscdk.Stack, env config.Environment, policy awsiam.Policy) {
	appliesTo := []any{
		"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::kms:GenerateDataKey*",
		"Resource::*",
		"Resource::" + airflowLogGroupsArn(stack, env),
		"Resource::" + celeryQueuesArn(stack),
		"Resource::" + connectionSecretsArn(stack, env),
		"Resource::" + arnOf(stack, "kms", "key/*"),
		// Bucket ARNs are tokens; nag prints them as <LogicalId.Arn>.
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<SourceBucket[0-9A-F]{8}\.Arn>\/\*$/g`)},
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<BronzeBucket[0-9A-F]{8}\.Arn>\/` + config.BronzeAPIRoot[:len(config.BronzeAPIRoot)-1] + `\/\*$/g`)},
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<ResultsBucket[0-9A-F]{8}\.Arn>\/` + config.WorkgroupResultsPrefix(config.WorkgroupDbt)[:len(config.WorkgroupDbt)] + `\/\*$/g`)},
	}
	for _, table := range tableArns(stack, env) {
		appliesTo = append(appliesTo, "Resource::"+table)
	}
	// platform_smoke reads what arrives under bronze's producer prefixes (api/* is above).
	for _, prefix := range smokeBronzePrefixes(env) {
		if prefix != config.BronzeAPIRoot {
			appliesTo = append(appliesTo, cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<BronzeBucket[0-9A-F]{8}\.Arn>\/` + strings.ReplaceAll(regexp.QuoteMeta(prefix), "/", `\/`) + `\*$/g`)})
		}
	}
	reason := "MWAA's documented execution-role policy, scoped: Get*/List* on its own source bucket only; the log groups airflow-<name>-* " +
		"MWAA creates; the Celery queues airflow-celery-* in MWAA's own account; account-level calls with no resource type (Resource::*); " +
		"kms:GenerateDataKey* on the environment key via SQS/S3 only; the connection secrets under the environment's prefix; the alert topic's key, " +
		"named by its alias (Monitoring is built later) and usable through SNS only. The DAGs write only bronze api/* and the dbt workgroup's query results (dbt/*), and read the tables of this environment's three databases. " +
		"platform_smoke reads the objects under bronze's producer prefixes (rds/*, kinesis/<stream>/*, api/*) to see its marked data arrive, " +
		"publishes metrics (Resource::*, only in its own namespace by condition) and, where it writes to the sources, describes DMS tasks (DescribeReplicationTasks has no resource-level permission)."
	if env.Databricks.Enabled {
		// dbt on Athena reads any silver object and writes any gold object (tables and their
		// Iceberg metadata live under generated names), and manages gold's tables in Glue.
		appliesTo = append(appliesTo,
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<SilverBucket[0-9A-F]{8}\.Arn>\/\*$/g`)},
			cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<GoldBucket[0-9A-F]{8}\.Arn>\/\*$/g`)})
		reason += " dbt reads any silver object and writes any gold object through Athena (generated table and Iceberg metadata names), and manages the gold database's tables."
	}
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String(reason),
		AppliesTo: &appliesTo,
	}}, jsii.Bool(false))
}
