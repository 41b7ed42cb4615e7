package stacks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/logs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// CatalogStackProps configures NewCatalogStack.
type CatalogStackProps struct {
	// Env is the environment being built.
	Env config.Environment
	// Key encrypts the lake; the crawlers decrypt bronze with it, Glue jobs would write with it.
	Key awskms.IKey
	// Bronze is crawled; Silver and Gold are only the locations of their databases.
	Bronze, Silver, Gold awss3.IBucket
}

// CatalogStack is the Glue Data Catalog of the lake: a database per layer and one crawler per
// family of bronze prefixes.
type CatalogStack struct {
	awscdk.Stack
	// Bronze is the <env>_bronze database the crawlers fill.
	Bronze awsglue.Database
	// Silver is the <env>_silver database: the batch jobs' Delta tables (SilverTables).
	Silver awsglue.Database
	// SilverTables are the jobs' tables, keyed by name, registered as native Delta tables.
	SilverTables map[string]awsglue.CfnTable
	// Gold is the <env>_gold database; Databricks and dbt register its tables.
	Gold awsglue.Database
	// Crawlers are keyed by family (config.CrawlerFamilies); Airflow starts them by name.
	Crawlers map[string]Crawler
	// CrawlerRole is the role every crawler runs as.
	CrawlerRole awsiam.Role
}

// Crawler is one bronze crawler, as the pipeline that starts it needs it.
type Crawler struct {
	// Name is config.Environment.CrawlerName(family).
	Name string
	// Arn is for IAM policies (glue:StartCrawler, glue:GetCrawler).
	Arn *string
	// Resource is the L1 crawler.
	Resource awsglue.CfnCrawler
}

// crawlerFamily is what differs between the crawlers: where they read and how they treat change.
type crawlerFamily struct {
	// root is the bronze prefix the crawler reads whole.
	root string
	// tableDepth is how many folders below root a table starts: rds/<schema>/<table>/ is 2.
	tableDepth int
}

// crawlerFamilies maps config.CrawlerFamilies to their prefixes. The roots come from the same
// config constants the producers write with, so crawler and producer cannot drift apart.
//
// Every crawler re-reads its whole root (CRAWL_EVERYTHING) and merges new columns. An
// incremental crawl (CRAWL_NEW_FOLDERS_ONLY) is cheaper, but Glue then forces LOG/LOG
// schema-change behaviour and logs, rather than adds, what does not fit the tables it knows:
// a source that appears after the first crawl (a new stream, API source or replicated table)
// might never be catalogued. Certainty is worth the crawl time; the jobs read bronze by path,
// not through these tables.
var crawlerFamilies = map[string]crawlerFamily{
	config.CrawlerRDS:     {root: config.BronzeRDSPrefix, tableDepth: 2},
	config.CrawlerKinesis: {root: config.BronzeKinesisRoot, tableDepth: 1},
	config.CrawlerAPI:     {root: config.BronzeAPIRoot, tableDepth: 1},
}

// tableLevel is Glue's Grouping.TableLevelConfiguration for the family: the absolute folder
// depth of a table counted from the bucket, which Glue counts as level 1. For
// s3://bronze/rds/<schema>/<table>/ that is 4; everything below (year=, dt=) becomes
// partitions, not tables.
func (f crawlerFamily) tableLevel() int {
	return 1 + strings.Count(f.root, "/") + f.tableDepth
}

// configuration is the crawler's Configuration JSON.
func (f crawlerFamily) configuration() string {
	output := map[string]any{
		// New partitions take the table's schema, so one odd file cannot fork a partition's columns.
		"Partitions": map[string]any{"AddOrUpdateBehavior": "InheritFromTable"},
		// Add columns, never drop or retype them: old bronze files still hold the old shape.
		"Tables": map[string]any{"AddOrUpdateBehavior": "MergeNewColumns"},
	}
	raw, err := json.Marshal(map[string]any{
		"Version":       1.0,
		"Grouping":      map[string]any{"TableLevelConfiguration": f.tableLevel()},
		"CrawlerOutput": output,
	})
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// NewCatalogStack creates the layer databases, the crawlers over bronze, their role, their
// security configuration and their encrypted log group.
//
// Crawlers have no L2 construct in aws-cdk-lib, so they are L1 (CfnCrawler). Databases and the
// security configuration use the L2s aws-cdk-lib now ships in aws_glue.
func NewCatalogStack(scope constructs.Construct, id string, props *CatalogStackProps) *CatalogStack {
	env := props.Env
	stack := newStack(scope, id, env, "Glue databases, crawlers and security configuration of "+env.Name)
	removal := removalPolicy(env)

	database := func(id, layer, bucketPurpose, description string) awsglue.Database {
		return awsglue.NewDatabase(stack, jsii.String(id), &awsglue.DatabaseProps{
			DatabaseName:  jsii.String(env.DatabaseName(layer)),
			Description:   jsii.String(description),
			LocationUri:   jsii.String(env.BucketURI(bucketPurpose, "")),
			RemovalPolicy: removal,
		})
	}
	s := &CatalogStack{
		Stack:    stack,
		Bronze:   database("BronzeDatabase", config.LayerBronze, config.BucketBronze, "Raw data as captured; tables made by the bronze crawlers"),
		Silver:   database("SilverDatabase", config.LayerSilver, config.BucketSilver, "Cleaned, conformed Delta tables written by the Databricks jobs"),
		Gold:     database("GoldDatabase", config.LayerGold, config.BucketGold, "The warehouse: aggregates and marts (Databricks, dbt on Athena)"),
		Crawlers: map[string]Crawler{},
	}

	s.SilverTables = silverTables(stack, env, s.Silver)

	logsKey := logs.NewKey(stack, "CrawlerLogsKey", &logs.KeyProps{Alias: env.ResourceName("glue-logs"), RemovalPolicy: removal})
	logGroup := logs.NewGroup(stack, "CrawlerLogs", &logs.GroupProps{
		LogGroupName:  jsii.String(env.CrawlerLogGroupName()),
		Key:           logsKey,
		RetentionDays: env.Catalog.CrawlerLogRetentionDays,
		RemovalPolicy: removal,
	})
	security := awsglue.NewSecurityConfiguration(stack, jsii.String("SecurityConfiguration"), &awsglue.SecurityConfigurationProps{
		SecurityConfigurationName: jsii.String(env.GlueSecurityConfigurationName()),
		CloudWatchEncryption:      awsglue.CloudWatchEncryption_Kms(logsKey),
		// Crawlers write neither bookmarks nor S3 data, but a Glue job given this configuration
		// would: it encrypts both with the lake's key, like everything else in the lake.
		JobBookmarksEncryption: awsglue.JobBookmarksEncryption_ClientSideKms(props.Key),
		S3Encryption:           awsglue.S3Encryption_Kms(props.Key),
	})

	s.CrawlerRole = crawlerRole(stack, env, props, s.Bronze)
	// Glue creates the group itself when it is missing; creating it here sets retention and key.
	s.CrawlerRole.Node().AddDependency(logGroup)
	for _, family := range config.CrawlerFamilies {
		s.Crawlers[family] = newCrawler(stack, env, family, s.Bronze, s.CrawlerRole, security)
	}
	for _, family := range config.CrawlerFamilies {
		awscdk.NewCfnOutput(stack, jsii.String("CrawlerName"+titleID(family)), &awscdk.CfnOutputProps{
			Description: jsii.String("Glue crawler over s3://bronze/" + crawlerFamilies[family].root),
			Value:       jsii.String(s.Crawlers[family].Name),
		})
	}
	return s
}

// silverTables registers every table the jobs write (config's SilverTables) as a native Delta
// table with its declared schema. Athena reads the files from the Delta log, but its views (every
// dbt staging and serving model is one), Lake Formation and row and column filters need the Glue
// schema to match the log (Athena, "Synchronize Delta Lake metadata"). The declaration is the
// schema's one owner: this stack deploys it, and the jobs create every table from it and refuse
// to write a column it lacks (docs/jobs.md), so Glue and the log cannot drift apart. CfnTable:
// aws-cdk-lib has no Glue table L2 (only the experimental glue-alpha module).
func silverTables(stack awscdk.Stack, env config.Environment, db awsglue.Database) map[string]awsglue.CfnTable {
	out := map[string]awsglue.CfnTable{}
	for _, t := range env.SilverTables() {
		out[t.Name] = awsglue.NewCfnTable(stack, jsii.String("SilverTable"+camelID(t.Name)), &awsglue.CfnTableProps{
			CatalogId:    stack.Account(),
			DatabaseName: db.DatabaseName(),
			TableInput: &awsglue.CfnTable_TableInputProperty{
				Name:      jsii.String(t.Name),
				TableType: jsii.String("EXTERNAL_TABLE"),
				// table_type=DELTA is what Athena reads Delta by; the provider is Spark's.
				Parameters: map[string]string{"table_type": "DELTA", "EXTERNAL": "TRUE", "spark.sql.sources.provider": "delta"},
				// Glue: "When you create a table used by Amazon Athena, and you do not specify
				// any partitionKeys, you must at least set the value of partitionKeys to an empty
				// list": glueColumns never returns nil.
				PartitionKeys: glueColumns(t.PartitionKeys),
				StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
					Location: jsii.String(strings.TrimSuffix(env.BucketURI(config.BucketSilver, t.Prefix), "/")),
					Columns:  glueColumns(t.Columns),
				},
			},
		})
	}
	return out
}

// glueColumns are declared columns as Glue's (name and Hive type), [] for none.
func glueColumns(columns []config.Column) []any {
	out := []any{}
	for _, c := range columns {
		out = append(out, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(c.Name), Type: jsii.String(c.Type)})
	}
	return out
}

// camelID turns a snake_case name into a construct-ID part: public_orders -> PublicOrders.
func camelID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part != "" {
			b.WriteString(titleID(part))
		}
	}
	return b.String()
}

// newCrawler creates the crawler of one family, in the bronze database.
func newCrawler(stack awscdk.Stack, env config.Environment, family string, db awsglue.Database,
	role awsiam.Role, security awsglue.SecurityConfiguration) Crawler {
	f, ok := crawlerFamilies[family]
	if !ok {
		panic("catalog: no bronze prefix for crawler family " + family)
	}
	name := env.CrawlerName(family)
	props := &awsglue.CfnCrawlerProps{
		Name:         jsii.String(name),
		Description:  jsii.String(fmt.Sprintf("Catalogues s3://%s/%s into %s", env.BucketName(config.BucketBronze), f.root, env.DatabaseName(config.LayerBronze))),
		Role:         role.RoleArn(),
		DatabaseName: db.DatabaseName(),
		TablePrefix:  jsii.String(config.CrawlerTablePrefix(family)),
		// One target per family root: errors/ (Firehose's failed records) sits beside the roots,
		// never under them, so it is never crawled and the role cannot read it.
		Targets: &awsglue.CfnCrawler_TargetsProperty{S3Targets: []any{&awsglue.CfnCrawler_S3TargetProperty{
			Path: jsii.String(env.BucketURI(config.BucketBronze, f.root)),
		}}},
		RecrawlPolicy: &awsglue.CfnCrawler_RecrawlPolicyProperty{RecrawlBehavior: jsii.String("CRAWL_EVERYTHING")},
		// New folders become tables and new columns are added; a vanished folder never drops a
		// table, it is marked deprecated.
		SchemaChangePolicy: &awsglue.CfnCrawler_SchemaChangePolicyProperty{
			UpdateBehavior: jsii.String("UPDATE_IN_DATABASE"), DeleteBehavior: jsii.String("DEPRECATE_IN_DATABASE"),
		},
		Configuration:                jsii.String(f.configuration()),
		CrawlerSecurityConfiguration: security.SecurityConfigurationName(),
	}
	if schedule := env.Catalog.CrawlerSchedules[family]; schedule != "" {
		props.Schedule = &awsglue.CfnCrawler_ScheduleProperty{ScheduleExpression: jsii.String(schedule)}
	}
	crawler := awsglue.NewCfnCrawler(stack, jsii.String("Crawler"+titleID(family)), props)
	// Without its policy the first scheduled run would fail on access denied.
	crawler.Node().AddDependency(role)
	return Crawler{
		Name:     name,
		Arn:      stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String("crawler"), ResourceName: jsii.String(name)}),
		Resource: crawler,
	}
}

// crawlerRole may read only the crawled bronze prefixes, decrypt them, write the bronze
// database's tables and partitions, and log to the crawlers' log group.
func crawlerRole(stack awscdk.Stack, env config.Environment, props *CatalogStackProps, db awsglue.Database) awsiam.Role {
	role := awsiam.NewRole(stack, jsii.String("CrawlerRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(env.CrawlerRoleName()),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("glue.amazonaws.com"), nil),
		Description: jsii.String("Glue crawlers of " + env.Name + ": read bronze prefixes, write the bronze database"),
	})
	var objects, listPrefixes []*string
	for _, family := range config.CrawlerFamilies {
		root := crawlerFamilies[family].root
		objects = append(objects, props.Bronze.ArnForObjects(jsii.String(root+"*")))
		listPrefixes = append(listPrefixes, jsii.String(root), jsii.String(root+"*"))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadCrawledPrefixes"),
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &objects,
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ListCrawledPrefixes"),
		Actions:    jsii.Strings("s3:ListBucket"),
		Resources:  &[]*string{props.Bronze.BucketArn()},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": listPrefixes}},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("LocateBronze"),
		Actions:   jsii.Strings("s3:GetBucketLocation"),
		Resources: &[]*string{props.Bronze.BucketArn()},
	}))
	props.Key.GrantDecrypt(role)

	glueArn := func(resource, name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	bronze := env.DatabaseName(config.LayerBronze)
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("WriteBronzeCatalog"),
		Actions: jsii.Strings("glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
			"glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition", "glue:BatchCreatePartition",
			"glue:UpdatePartition", "glue:BatchUpdatePartition", "glue:CreatePartitionIndex", "glue:GetPartitionIndexes"),
		Resources: &[]*string{
			stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("glue"), Resource: jsii.String("catalog")}),
			db.DatabaseArn(),
			glueArn("table", bronze+"/*"),
		},
	}))
	// Group-level actions match the group's ARN, stream-level ones the ARN with ":*".
	logGroup := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String(env.CrawlerLogGroupName()), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteCrawlerLogs"),
		Actions:   jsii.Strings("logs:CreateLogGroup", "logs:AssociateKmsKey", "logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logGroup, jsii.String(*logGroup + ":*")},
	}))
	suppressCrawlerRoleWildcards(role, env)
	return role
}

// suppressCrawlerRoleWildcards names each wildcard the crawler role needs and why.
func suppressCrawlerRoleWildcards(role awsiam.Role, env config.Environment) {
	applies := []any{
		// Tables are created by the crawlers at run time, so they cannot be named in advance.
		arnAppliesTo("glue", env, "table/"+env.DatabaseName(config.LayerBronze)+"/*"),
		// Log streams are created per crawler run inside the one log group.
		arnAppliesTo("logs", env, "log-group:"+env.CrawlerLogGroupName()+":*"),
	}
	for _, family := range config.CrawlerFamilies {
		// Crawlers read every object under their root: new tables and partitions appear daily.
		applies = append(applies, &cdknag.RegexAppliesTo{Regex: jsii.String(fmt.Sprintf(`/^Resource::<BronzeBucket[0-9A-F]+\.Arn>\/%s\*$/g`,
			regexp.QuoteMeta(crawlerFamilies[family].root)))})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Scoped to the crawled bronze prefixes, the bronze database's tables and the crawlers' own log group; objects, tables and log streams are created at run time."),
		AppliesTo: &applies,
	}}, jsii.Bool(true))
}

// arnAppliesTo matches, in a cdk-nag finding, the ARN of service in the environment's account
// and region, whatever partition CDK renders.
func arnAppliesTo(service string, env config.Environment, resource string) *cdknag.RegexAppliesTo {
	return &cdknag.RegexAppliesTo{Regex: jsii.String(fmt.Sprintf(`/^Resource::arn:[^:]+:%s:%s:%s:%s$/g`,
		service, env.Region, env.Account, regexp.QuoteMeta(resource)))}
}

// titleID turns a family or audience into a construct-ID part: rds -> Rds.
func titleID(name string) string {
	return strings.ToUpper(name[:1]) + name[1:]
}
