package stacks

import (
	"fmt"
	"regexp"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/securebucket"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AnalyticsStackProps configures NewAnalyticsStack.
type AnalyticsStackProps struct {
	// Env is the environment being built.
	Env config.Environment
	// Key encrypts the lake and the query results.
	Key awskms.IKey
	// Silver and Gold are what analysts may read.
	Silver, Gold awss3.IBucket
	// AccessLogs receives the results bucket's server access logs.
	AccessLogs awss3.IBucket
	// Catalog holds the databases the queries run against.
	Catalog *CatalogStack
}

// AnalyticsStack is Athena over the catalog: a workgroup per audience, the bucket their results
// land in, example queries and the analysts' managed policy.
type AnalyticsStack struct {
	awscdk.Stack
	// ResultsBucket holds query results under one prefix per workgroup (config.WorkgroupResultsPrefix).
	ResultsBucket awss3.Bucket
	// Workgroups are keyed by audience (config.Workgroups).
	Workgroups map[string]Workgroup
	// AnalystsPolicy lets a role or group query silver and gold in the analysts workgroup.
	AnalystsPolicy awsiam.ManagedPolicy
}

// Workgroup is one Athena workgroup, as the roles that query in it need it.
type Workgroup struct {
	// Name is config.Environment.WorkgroupName(audience).
	Name string
	// Arn is for IAM policies (athena:StartQueryExecution and friends).
	Arn *string
	// ResultsPrefix is where in ResultsBucket the workgroup writes, e.g. "dbt/".
	ResultsPrefix string
	// Resource is the L1 workgroup.
	Resource awsathena.CfnWorkGroup
}

// athenaEngineVersion 3 is the Trino-based engine; version 2 is retired.
const athenaEngineVersion = "Athena engine version 3"

// NewAnalyticsStack creates the results bucket, the workgroups, the named queries and the
// analysts' policy. Athena has no L2 construct in aws-cdk-lib: workgroups and named queries are L1.
func NewAnalyticsStack(scope constructs.Construct, id string, props *AnalyticsStackProps) *AnalyticsStack {
	env := props.Env
	stack := newStack(scope, id, env, "Athena workgroups, results bucket and named queries of "+env.Name)
	removal := removalPolicy(env)

	results := securebucket.New(stack, "ResultsBucket", &securebucket.Props{
		BucketName:       env.BucketName(config.BucketAthenaResults),
		Key:              props.Key,
		AccessLogs:       props.AccessLogs,
		AccessLogsPrefix: config.BucketAthenaResults + "/",
		// Every result is a new object under a fresh query ID and can be re-run: no version is worth keeping.
		Unversioned: true,
		LifecycleRules: []*awss3.LifecycleRule{{
			Id:         jsii.String("expire-results"),
			Expiration: days(env.Analytics.ResultsExpirationDays),
		}},
		RemovalPolicy: removal,
	})
	s := &AnalyticsStack{Stack: stack, ResultsBucket: results, Workgroups: map[string]Workgroup{}}
	for _, audience := range config.Workgroups {
		s.Workgroups[audience] = newWorkgroup(stack, env, audience, results, props.Key)
	}
	namedQueries(stack, env, s.Workgroups[config.WorkgroupAnalysts])
	s.AnalystsPolicy = analystsPolicy(stack, env, props, s)
	awscdk.NewCfnOutput(stack, jsii.String("AnalystsPolicyArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Attach to analysts' roles or groups: query silver and gold in workgroup " + s.Workgroups[config.WorkgroupAnalysts].Name),
		Value:       s.AnalystsPolicy.ManagedPolicyArn(),
	})
	for _, audience := range config.Workgroups {
		awscdk.NewCfnOutput(stack, jsii.String("WorkgroupName"+titleID(audience)), &awscdk.CfnOutputProps{
			Description: jsii.String("Athena workgroup for " + audience),
			Value:       jsii.String(s.Workgroups[audience].Name),
		})
	}
	return s
}

// newWorkgroup creates one audience's workgroup. Its settings are enforced, so no client can
// write unencrypted results elsewhere, pick another engine or lift the scan limit.
func newWorkgroup(stack awscdk.Stack, env config.Environment, audience string, results awss3.IBucket, key awskms.IKey) Workgroup {
	name := env.WorkgroupName(audience)
	prefix := config.WorkgroupResultsPrefix(audience)
	destroy := env.Removal == config.RemovalDestroy
	wg := awsathena.NewCfnWorkGroup(stack, jsii.String("Workgroup"+titleID(audience)), &awsathena.CfnWorkGroupProps{
		Name:        jsii.String(name),
		Description: jsii.String(fmt.Sprintf("Athena queries of %s in %s", audience, env.Name)),
		State:       jsii.String("ENABLED"),
		// Deleting a workgroup that still has named queries fails unless they go with it; only
		// environments that destroy their data allow that.
		RecursiveDeleteOption: jsii.Bool(destroy),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(float64(env.Analytics.Workgroups[audience].BytesScannedCutoffPerQuery)),
			EngineVersion:                   &awsathena.CfnWorkGroup_EngineVersionProperty{SelectedEngineVersion: jsii.String(athenaEngineVersion)},
			RequesterPaysEnabled:            jsii.Bool(false),
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation:      jsii.String(env.BucketURI(config.BucketAthenaResults, prefix)),
				ExpectedBucketOwner: jsii.String(env.Account),
				EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{
					EncryptionOption: jsii.String("SSE_KMS"),
					KmsKey:           key.KeyArn(),
				},
			},
		},
	})
	wg.ApplyRemovalPolicy(removalPolicy(env), nil)
	// The results bucket must exist before the first query writes to it.
	wg.Node().AddDependency(results)
	return Workgroup{
		Name:          name,
		Arn:           stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("athena"), Resource: jsii.String("workgroup"), ResourceName: jsii.String(name)}),
		ResultsPrefix: prefix,
		Resource:      wg,
	}
}

// namedQuery is one saved query that shows how a layer is meant to be read.
type namedQuery struct {
	id, name, description, database, sql string
}

// Example source table: what the rds crawler makes of s3://bronze/rds/<schema>/orders/. The
// source schema lives in the application's database, not here, so the query names a typical
// table; replace it in the console.
const (
	exampleCDCTable = "orders"
	exampleCDCKey   = "order_id"
)

// namedQueries saves, in the analysts workgroup, one query per layer.
func namedQueries(stack awscdk.Stack, env config.Environment, wg Workgroup) {
	bronze, gold := env.DatabaseName(config.LayerBronze), env.DatabaseName(config.LayerGold)
	// The first configured stream, under the name the kinesis crawler gives its table.
	stream := env.Streaming.Streams[0].Name
	queries := []namedQuery{{
		id:   "LatestCdcState",
		name: "bronze: latest state of a replicated table",
		description: "One row per key as the source database holds it now: the newest DMS change wins and deleted rows drop out. " +
			"Full-load rows carry Op = I too (IncludeOpForFullLoad).",
		database: bronze,
		sql: fmt.Sprintf(`-- Latest state of %[1]s from the DMS files under rds/<schema>/%[2]s/ (full load and
-- changes in one folder). %[3]s is I (insert), U (update) or D (delete); %[4]s is the commit
-- time (the load time on full-load rows) and %[7]s orders changes of one commit time.
-- Full-load rows have no change sequence and come before every change. Glue lowercases
-- column names.
SELECT *
FROM (
  SELECT t.*,
         row_number() OVER (
           PARTITION BY t.%[5]s
           ORDER BY coalesce(t.%[7]s, '') <> '' DESC, t.%[4]s DESC, t.%[7]s DESC
         ) AS change_rank
  FROM "%[6]s"."%[1]s" t
)
WHERE change_rank = 1
  AND %[3]s <> 'D'`, config.CrawlerTablePrefix(config.CrawlerRDS)+exampleCDCTable, exampleCDCTable,
			strings.ToLower(config.BronzeCDCOpColumn), strings.ToLower(env.Cdc.TimestampColumnName), exampleCDCKey, bronze,
			config.BronzeCDCSequenceColumn),
	}, {
		id:          "EventsPerDay",
		name:        "bronze: events per day of a stream",
		description: "Counts one Kinesis stream's records per day using the year/month/day partitions Firehose writes, so only the last 30 days are scanned.",
		database:    bronze,
		sql: fmt.Sprintf(`-- Records per day delivered by Firehose under kinesis/%[1]s/year=/month=/day=/.
SELECT year, month, day, count(*) AS events
FROM "%[2]s"."%[3]s"
WHERE date(concat(year, '-', month, '-', day)) >= current_date - INTERVAL '30' DAY
GROUP BY year, month, day
ORDER BY year, month, day`, stream, bronze, config.CrawlerTableName(config.CrawlerKinesis, stream)),
	}, {
		id:          "GoldTables",
		name:        "gold: what the warehouse holds",
		description: "Lists the gold tables and views with their columns; the starting point for analysts.",
		database:    gold,
		sql: fmt.Sprintf(`-- Tables and views of the warehouse, built by Databricks and dbt.
SELECT table_name, column_name, data_type
FROM information_schema.columns
WHERE table_schema = '%s'
ORDER BY table_name, ordinal_position`, gold),
	}}
	for _, q := range queries {
		awsathena.NewCfnNamedQuery(stack, jsii.String("Query"+q.id), &awsathena.CfnNamedQueryProps{
			Name:        jsii.String(q.name),
			Description: jsii.String(q.description),
			Database:    jsii.String(q.database),
			QueryString: jsii.String(q.sql),
			WorkGroup:   wg.Resource.Ref(),
		})
	}
}

// analystsPolicy lets its holder run queries in the analysts workgroup over silver and gold,
// and nothing else: no bronze (raw, possibly personal data), no other workgroup.
func analystsPolicy(stack awscdk.Stack, env config.Environment, props *AnalyticsStackProps, s *AnalyticsStack) awsiam.ManagedPolicy {
	wg := s.Workgroups[config.WorkgroupAnalysts]
	glueArn := func(resource, name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	silver, gold := env.DatabaseName(config.LayerSilver), env.DatabaseName(config.LayerGold)
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("QueryInAnalystsWorkgroup"),
			Actions: jsii.Strings("athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
				"athena:GetQueryResults", "athena:GetQueryResultsStream", "athena:GetQueryRuntimeStatistics",
				"athena:BatchGetQueryExecution", "athena:ListQueryExecutions", "athena:GetWorkGroup",
				"athena:ListNamedQueries", "athena:GetNamedQuery", "athena:BatchGetNamedQuery", "athena:CreateNamedQuery",
				"athena:DeleteNamedQuery", "athena:UpdateNamedQuery"),
			Resources: &[]*string{wg.Arn},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("BrowseCatalogInAthena"),
			Actions:   jsii.Strings("athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase", "athena:ListTableMetadata", "athena:GetTableMetadata"),
			Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("athena"), Resource: jsii.String("datacatalog"), ResourceName: jsii.String("AwsDataCatalog")})},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// These list actions support no resource-level permissions.
			Sid:       jsii.String("ListWorkgroups"),
			Actions:   jsii.Strings("athena:ListWorkGroups", "athena:ListEngineVersions", "athena:ListDataCatalogs"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadSilverAndGoldCatalog"),
			Actions: jsii.Strings("glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
				"glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"),
			Resources: &[]*string{
				stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String("catalog")}),
				props.Catalog.Silver.DatabaseArn(), props.Catalog.Gold.DatabaseArn(),
				glueArn("table", silver+"/*"), glueArn("table", gold+"/*"),
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadSilverAndGoldObjects"),
			Actions:   jsii.Strings("s3:GetObject"),
			Resources: &[]*string{props.Silver.ArnForObjects(jsii.String("*")), props.Gold.ArnForObjects(jsii.String("*"))},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ListSilverGoldAndResults"),
			Actions:   jsii.Strings("s3:ListBucket", "s3:GetBucketLocation"),
			Resources: &[]*string{props.Silver.BucketArn(), props.Gold.BucketArn(), s.ResultsBucket.BucketArn()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadWriteOwnResults"),
			Actions:   jsii.Strings("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"),
			Resources: &[]*string{s.ResultsBucket.ArnForObjects(jsii.String(wg.ResultsPrefix + "*"))},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Athena reads the lake and writes results through S3, which uses the key on the caller's behalf.
			Sid:        jsii.String("UseDataKeyThroughS3"),
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
			Resources:  &[]*string{props.Key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", env.Region)}},
		}),
	}
	policy := awsiam.NewManagedPolicy(stack, jsii.String("AnalystsPolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(env.AnalystsPolicyName()),
		Description:       jsii.String("Query silver and gold of " + env.Name + " in Athena workgroup " + wg.Name),
		Statements:        &statements,
	})
	applies := []any{
		"Resource::*",
		arnAppliesTo("glue", env, "table/"+silver+"/*"),
		arnAppliesTo("glue", env, "table/"+gold+"/*"),
		&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<(Silver|Gold)Bucket[0-9A-F]+\.Arn>\/\*$/g`)},
		&cdknag.RegexAppliesTo{Regex: jsii.String(fmt.Sprintf(`/^Resource::<ResultsBucket[0-9A-F]+\.Arn>\/%s\*$/g`, regexp.QuoteMeta(wg.ResultsPrefix)))},
	}
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Read-only on the silver and gold layers (objects and tables are created by the pipelines at run time), " +
			"the analysts' own results prefix, and Athena list actions that support no resource-level permissions."),
		AppliesTo: &applies,
	}}, jsii.Bool(false))
	return policy
}
