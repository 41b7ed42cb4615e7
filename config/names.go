package config

import (
	"fmt"
	"strings"
)

// Bucket purposes: the middle part of every bucket name. A stack that adds a bucket adds its
// purpose here, so validation can prove every name fits S3's 63-character limit.
const (
	BucketBronze     = "bronze"
	BucketSilver     = "silver"
	BucketGold       = "gold"
	BucketAccessLogs = "access-logs"
	// BucketDatabricksRoot is the Databricks workspace's root storage (DBFS root, system data).
	BucketDatabricksRoot = "databricks"
	// BucketAirflow is MWAA's source bucket: dags/ and requirements.txt.
	BucketAirflow = "airflow"
	// BucketAthenaResults holds Athena query results, one prefix per workgroup.
	BucketAthenaResults = "athena-results"
)

var bucketPurposes = []string{BucketBronze, BucketSilver, BucketGold, BucketAccessLogs, BucketDatabricksRoot, BucketAthenaResults, BucketAirflow}

// BucketName is the globally unique name of one of the environment's buckets:
// <prefix>-<env>-<purpose>-<account>-<region>.
func (e Environment) BucketName(purpose string) string {
	return fmt.Sprintf("%s-%s-%s-%s-%s", e.Prefix, e.Name, purpose, e.Account, e.Region)
}

// BucketURI is s3://<bucket>/<prefix> of one of the environment's buckets; prefix may be "".
func (e Environment) BucketURI(purpose, prefix string) string {
	return "s3://" + e.BucketName(purpose) + "/" + prefix
}

// ResourceName is the name of an account-unique, region-scoped resource (keys' aliases,
// log groups, streams): <prefix>-<env>-<purpose>.
func (e Environment) ResourceName(purpose string) string {
	return fmt.Sprintf("%s-%s-%s", e.Prefix, e.Name, purpose)
}

// Layers of the lake, in the order data moves through them.
const (
	LayerBronze = "bronze"
	LayerSilver = "silver"
	LayerGold   = "gold"
)

// DatabaseName is the Glue database of one layer: <env>_<layer>, e.g. staging_bronze.
func (e Environment) DatabaseName(layer string) string {
	return e.Name + "_" + layer
}

// Bronze key prefixes. Producers write under them and crawlers read them, so both sides call
// these functions and cannot drift apart.
const (
	// BronzeRDSPrefix is where DMS writes: rds/<schema>/<table>/.
	BronzeRDSPrefix = "rds/"
	// BronzeErrorsPrefix is where Firehose writes records it could not deliver.
	BronzeErrorsPrefix = "errors/"
	// BronzeKinesisRoot holds one folder per stream (see BronzeKinesisPrefix); the kinesis
	// crawler reads it whole, so a new stream is catalogued without a deploy.
	BronzeKinesisRoot = "kinesis/"
	// BronzeAPIRoot holds one folder per API source (see BronzeAPIPrefix).
	BronzeAPIRoot = "api/"
	// BronzeCDCOpColumn is the column DMS adds to every CDC row: I, U or D.
	BronzeCDCOpColumn = "Op"
	// BronzeCDCSequenceColumn is the column the Cdc task adds to every row: DMS's
	// AR_H_CHANGE_SEQ, which orders changes of the same commit time (Cdc.TimestampColumnName).
	// Full-load rows carry an empty value: they come before every change.
	BronzeCDCSequenceColumn = "dms_change_seq"
	// DMSArtifactTables is the table pattern of the objects DMS creates in a captured schema
	// for its heartbeat and DDL capture (awsdms_heartbeat, awsdms_ddl_audit): never replicated.
	DMSArtifactTables = "awsdms_%"
)

// BronzeKinesisPrefix is where Firehose delivers one stream: kinesis/<stream>/.
func BronzeKinesisPrefix(stream string) string { return BronzeKinesisRoot + stream + "/" }

// BronzeAPIDayColumn is the Hive partition of an API source's bronze folder
// (api/<source>/dt=YYYY-MM-DD/): the day a record was ingested for, a column of its silver table.
const BronzeAPIDayColumn = "dt"

// BronzeAPIPrefix is where the API ingestion DAG writes one source: api/<source>/.
func BronzeAPIPrefix(source string) string { return BronzeAPIRoot + source + "/" }

// Crawler families: one Glue crawler per family of bronze prefixes. The Catalog stack creates
// them and the Airflow pipeline DAG starts them, both by these names.
const (
	CrawlerRDS     = "rds"
	CrawlerKinesis = "kinesis"
	CrawlerAPI     = "api"
)

// CrawlerFamilies lists every crawler family in the order the pipeline runs them.
var CrawlerFamilies = []string{CrawlerRDS, CrawlerKinesis, CrawlerAPI}

// CrawlerName is the Glue crawler over one bronze prefix family: <prefix>-<env>-bronze-<family>.
func (e Environment) CrawlerName(family string) string {
	return e.ResourceName("bronze-" + family)
}

// CrawlerTablePrefix starts the name of every table a family's crawler creates (rds_orders,
// kinesis_web_events), so that a stream and a database table of the same name cannot collide.
func CrawlerTablePrefix(family string) string { return family + "_" }

// CrawlerTableName is the table a family's crawler makes of one folder: the prefix, then the
// folder name with hyphens replaced by underscores, as Glue does (Athena allows no hyphens).
func CrawlerTableName(family, folder string) string {
	return CrawlerTablePrefix(family) + strings.ReplaceAll(folder, "-", "_")
}

// CrawlerRoleName is the IAM role every bronze crawler runs as.
func (e Environment) CrawlerRoleName() string { return e.ResourceName("glue-crawler") }

// GlueSecurityConfigurationName is the Glue security configuration the crawlers use.
func (e Environment) GlueSecurityConfigurationName() string { return e.ResourceName("glue") }

// CrawlerLogGroupName is where Glue writes the crawlers' logs. With a security configuration
// that encrypts CloudWatch Logs, Glue does not use /aws-glue/crawlers but
// /aws-glue/crawlers-role/<role name>-<security configuration name>.
func (e Environment) CrawlerLogGroupName() string {
	return "/aws-glue/crawlers-role/" + e.CrawlerRoleName() + "-" + e.GlueSecurityConfigurationName()
}

// Athena workgroups: analysts query interactively, dbt builds gold from Airflow.
const (
	WorkgroupAnalysts = "analysts"
	WorkgroupDbt      = "dbt"
)

// Workgroups lists every Athena workgroup audience.
var Workgroups = []string{WorkgroupAnalysts, WorkgroupDbt}

// WorkgroupName is the Athena workgroup for one audience: <prefix>-<env>-<audience>.
func (e Environment) WorkgroupName(audience string) string {
	return e.ResourceName(audience)
}

// Monitoring stages: one row of the dashboard each, and the middle part of every alarm name, so
// an alert's subject tells which part of the pipeline is hurting.
const (
	StageNetwork       = "network"
	StageIngestion     = "ingestion"
	StageStorage       = "storage"
	StageCatalog       = "catalog"
	StageProcessing    = "processing"
	StageOrchestration = "orchestration"
	StageDatabase      = "database"
)

// AlarmName is a CloudWatch alarm of one stage: <prefix>-<env>-<stage>-<what>.
func (e Environment) AlarmName(stage, what string) string {
	return e.ResourceName(stage + "-" + what)
}

// AlertTopicName is the SNS topic every alarm and failure event of the environment publishes to.
func (e Environment) AlertTopicName() string { return e.ResourceName("alerts") }

// AlertsKeyAlias is the alias (without "alias/") of the key that encrypts the alert topic;
// publishers outside the Monitoring stack name the key by it.
func (e Environment) AlertsKeyAlias() string { return e.ResourceName("alerts") }

// DashboardName is the environment's CloudWatch dashboard.
func (e Environment) DashboardName() string { return e.ResourceName("pipeline") }

// Roles GitHub Actions assumes: deploy.yml deploys an environment, diff.yml diffs it on pull
// requests, versions.yml checks weekly that what config asks AWS for can still be created.
const (
	GitHubDeployRole       = "deploy"
	GitHubDiffRole         = "diff"
	GitHubVersionCheckRole = "version-check"
)

// VersionCheckEnvironment is the GitHub environment versions.yml runs in. Its deployment
// branch rule admits the default branch only, so its OIDC subject, the only one the
// version-check role trusts, is never a pull request's or another branch's.
const VersionCheckEnvironment = "version-check"

// GitHubRoleName is the IAM role one kind of GitHub Actions job assumes in the environment's
// account: <prefix>-<env>-github-<kind>. Prefix (<= 20) and name (<= 16) keep it within IAM's
// 64 characters. Workflows find it by this name, so it must stay stable.
func (e Environment) GitHubRoleName(kind string) string {
	return e.ResourceName("github-" + kind)
}

// BronzeDailyPartitions is the Hive-style date path Firehose appends under a stream's prefix,
// from each record's arrival time (UTC): year=YYYY/month=MM/day=DD/.
const BronzeDailyPartitions = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"

// BronzeKinesisDataPrefix is Firehose's S3 prefix for one stream: kinesis/<stream>/year=/month=/day=/.
func BronzeKinesisDataPrefix(stream string) string {
	return BronzeKinesisPrefix(stream) + BronzeDailyPartitions
}

// BronzeKinesisErrorPrefix is where Firehose writes one stream's undeliverable records, by
// failure type: errors/kinesis/<stream>/<error-output-type>/year=/month=/day=/.
func BronzeKinesisErrorPrefix(stream string) string {
	return BronzeErrorsPrefix + BronzeKinesisPrefix(stream) + "!{firehose:error-output-type}/" + BronzeDailyPartitions
}

// StreamName is the Kinesis data stream producers write to: <prefix>-<env>-<stream>.
func (e Environment) StreamName(stream string) string { return e.ResourceName(stream) }

// DeliveryStreamName is the Firehose delivery stream that copies one stream to bronze; it has
// the Kinesis stream's name (Firehose allows 64 characters, which validation checks).
func (e Environment) DeliveryStreamName(stream string) string { return e.ResourceName(stream) }

// DeliveryLogGroupName is the log group of one delivery stream's errors, where the Firehose
// console looks for it: /aws/kinesisfirehose/<delivery stream>.
func (e Environment) DeliveryLogGroupName(stream string) string {
	return "/aws/kinesisfirehose/" + e.DeliveryStreamName(stream)
}

// StreamProducerPolicyName is the managed policy applications attach to write to the streams.
func (e Environment) StreamProducerPolicyName() string { return e.ResourceName("stream-producer") }

// StreamSchemaDatabaseName is the Glue database, owned by the Streaming stack, that holds the
// schemas Firehose converts Parquet streams through: <env>_stream_schemas. It is not a lake
// layer: crawlers catalog the delivered files in the bronze database.
func (e Environment) StreamSchemaDatabaseName() string { return e.Name + "_stream_schemas" }

// StreamSchemaTableName is the Glue table of one stream's schema: its name with underscores.
func StreamSchemaTableName(stream string) string { return strings.ReplaceAll(stream, "-", "_") }

// WorkgroupResultsPrefix is where in the Athena results bucket a workgroup's results land.
func WorkgroupResultsPrefix(audience string) string { return audience + "/" }

// AnalystsPolicyName is the managed policy to attach to analysts' roles or groups.
func (e Environment) AnalystsPolicyName() string { return e.ResourceName("athena-analysts") }

// DatabaseInstanceIdentifier is the RDS instance of the CDC source: <prefix>-<env>-postgres.
// It is fixed, rather than generated, because its exported log groups are named after it.
func (e Environment) DatabaseInstanceIdentifier() string { return e.ResourceName("postgres") }

// DatabaseLogGroupName is where RDS exports one log type of the instance.
func (e Environment) DatabaseLogGroupName(logType string) string {
	return "/aws/rds/instance/" + e.DatabaseInstanceIdentifier() + "/" + logType
}

// ReplicationInstanceIdentifier is the DMS replication instance: <prefix>-<env>-dms.
func (e Environment) ReplicationInstanceIdentifier() string { return e.ResourceName("dms") }

// ReplicationTaskIdentifier is the DMS task that copies the database into bronze.
func (e Environment) ReplicationTaskIdentifier() string { return e.ResourceName("rds-to-bronze") }

// DmsTaskLogGroupName is the log group DMS writes task logs to; DMS derives it from the
// replication instance's identifier, so the stack creates it first with retention and KMS.
func (e Environment) DmsTaskLogGroupName() string {
	return "dms-tasks-" + e.ReplicationInstanceIdentifier()
}

// AirflowEnvironmentName is the MWAA environment: <prefix>-<env>-airflow. MWAA names its log
// groups airflow-<name>-<LogType>, which the execution role's policy is scoped to.
func (e Environment) AirflowEnvironmentName() string {
	return e.ResourceName("airflow")
}

// AirflowRelayFunctionName is the Lambda function that relays the smoke's Airflow REST API
// calls into the VPC where the webserver is PRIVATE_ONLY: <prefix>-<env>-airflow-relay. The
// GitHub smoke role (account stage) may invoke it by this name, and smoke.sh calls it by it
// (cmd/smoke prints it), so it must stay stable.
func (e Environment) AirflowRelayFunctionName() string {
	return e.ResourceName("airflow-relay")
}

// AirflowConnectionsPrefix is where MWAA's Secrets Manager backend looks up Airflow
// connections: connection c is the secret <prefix>-<env>-airflow/connections/c. The execution
// role may read this prefix only.
func (e Environment) AirflowConnectionsPrefix() string {
	return e.AirflowEnvironmentName() + "/connections"
}

// DatabricksBatchJob is the jobs bundle's bronze-to-silver batch job, which the
// bronze_pipeline DAG runs by name.
const DatabricksBatchJob = "bronze-to-silver"

// DatabricksJobName is a job's name in the environment's workspace: <prefix>-<env>-<job>. The
// bundle's production-mode targets keep it as it is, so Airflow finds the job by this name.
func (e Environment) DatabricksJobName(job string) string {
	return e.ResourceName(job)
}

// SilverTable is one Delta table of the silver layer: its folder in the silver bucket, its
// name in the <env>_silver Glue database and, from Environment.SilverTables, its declared
// schema.
type SilverTable struct {
	// Name is the Glue table name.
	Name string
	// Prefix is the table's folder in the silver bucket, ending in /.
	Prefix string
	// Columns are the table's columns in order, partition columns excepted, with Hive types:
	// what the Catalog stack gives Glue and the jobs write, refusing any other column
	// (silverschema.go). Set by Environment.SilverTables only.
	Columns []Column
	// PartitionKeys are the table's partition columns, in order: empty, never nil, where it
	// has none (Glue's PartitionKeys for Athena). Set by Environment.SilverTables only.
	PartitionKeys []Column
}

// Silver prefixes. The jobs write every table under its family's root and keep what only
// they read (stream checkpoints, the delete markers the CDC merge orders against) under
// SilverStateRoot, which no Glue table points into.
const (
	SilverRDSRoot    = "rds/"
	SilverAPIRoot    = "api/"
	SilverStreamRoot = "kinesis/"
	SilverStateRoot  = "_state/"
)

// SilverStreamDayColumn is the day (UTC) of a stream event's time, which the streaming job
// adds: the partition of its events and late tables.
const SilverStreamDayColumn = "event_date"

// SilverCommitDayColumn is the day (UTC) of a change's commit time, which the CDC job adds: the
// partition of a replicated table's history, so that a run's merge reads only the days its
// changes were committed on (cdc.py), whatever the history's age.
const SilverCommitDayColumn = "_commit_date"

// Current is the table's current state: silver rds/<schema>/<table>/, Glue <schema>_<table>.
func (t ReplicatedTable) Current() SilverTable {
	return SilverTable{Name: t.Schema + "_" + t.Table, Prefix: SilverRDSRoot + t.Schema + "/" + t.Table + "/"}
}

// History is the table's append-only change history: every change once, for "as of" questions.
func (t ReplicatedTable) History() SilverTable {
	return SilverTable{Name: t.Schema + "_" + t.Table + "_history", Prefix: SilverRDSRoot + t.Schema + "/" + t.Table + "_history/"}
}

// StatePrefix holds the CDC job's checkpoint and delete markers for the table.
func (t ReplicatedTable) StatePrefix() string {
	return SilverStateRoot + SilverRDSRoot + t.Schema + "/" + t.Table + "/"
}

// BronzePrefix is where DMS writes the table: rds/<schema>/<table>/.
func (t ReplicatedTable) BronzePrefix() string {
	return BronzeRDSPrefix + t.Schema + "/" + t.Table + "/"
}

// Current is the source's typed records: silver api/<source>/, Glue api_<source>.
func (s APISource) Current() SilverTable {
	return SilverTable{Name: "api_" + s.Name, Prefix: SilverAPIRoot + s.Name + "/"}
}

// Quarantine holds the source's records that did not fit its columns, with the reason.
func (s APISource) Quarantine() SilverTable {
	return SilverTable{Name: "api_" + s.Name + "_quarantine", Prefix: SilverAPIRoot + s.Name + "_quarantine/"}
}

// Events is the stream's events, one row per event ID: silver kinesis/<stream>/, Glue
// kinesis_<stream> (hyphens as underscores).
func (s Stream) Events() SilverTable {
	return SilverTable{Name: CrawlerTableName(CrawlerKinesis, s.Name), Prefix: SilverStreamRoot + s.Name + "/"}
}

// Late holds the stream's events that arrived behind its watermark, kept for a backfill.
func (s Stream) Late() SilverTable {
	return SilverTable{Name: CrawlerTableName(CrawlerKinesis, s.Name) + "_late", Prefix: SilverStreamRoot + s.Name + "_late/"}
}

// Quarantine holds the stream's records that did not fit its schema, raw, with the reason.
func (s Stream) Quarantine() SilverTable {
	return SilverTable{Name: CrawlerTableName(CrawlerKinesis, s.Name) + "_quarantine", Prefix: SilverStreamRoot + s.Name + "_quarantine/"}
}

// StatePrefix holds the streaming job's checkpoints for the stream.
func (s Stream) StatePrefix() string { return SilverStateRoot + SilverStreamRoot + s.Name + "/" }

// FirehoseConversionFailed is the error output type under which Firehose writes the records a
// Parquet stream could not convert (errors/kinesis/<stream>/format-conversion-failed/...).
const FirehoseConversionFailed = "format-conversion-failed"

// BronzeKinesisConversionErrorsPrefix is where Firehose writes one stream's records that failed
// Parquet conversion (BronzeKinesisErrorPrefix with that error output type).
func BronzeKinesisConversionErrorsPrefix(stream string) string {
	return BronzeErrorsPrefix + BronzeKinesisPrefix(stream) + FirehoseConversionFailed + "/"
}

// SilverWatermarks is the batch job's watermarks table: per served table
// (warehouse.serving.table), the newest change key its silver holds. The serving view reads it
// on Athena and on the local engine alike.
func SilverWatermarks() SilverTable {
	return SilverTable{Name: "batch_watermarks", Prefix: "watermarks/"}
}

// SilverTablesCreated is the batch job's record of when it created each silver table: a row
// (table name, time) per table its first task (create_tables) creates, itself included. A
// source's freshness falls back to it while the table is empty, so a table that never gets
// its first row alerts once the freshness window after its creation has passed.
func SilverTablesCreated() SilverTable {
	return SilverTable{Name: "batch_tables_created", Prefix: "tables_created/"}
}

// SilverTables are every table the jobs write and the Catalog stack registers, each with its
// declared schema (silverschema.go): the batch jobs' always, the streaming job's where the
// speed layer is on.
func (e Environment) SilverTables() []SilverTable {
	out := []SilverTable{declared(SilverWatermarks(), watermarkColumns()), declared(SilverTablesCreated(), tablesCreatedColumns())}
	for _, t := range e.Silver.Tables {
		commitDay := Column{Name: SilverCommitDayColumn, Type: "date"}
		out = append(out, declared(t.Current(), e.currentColumns(t)), declared(t.History(), e.historyColumns(t), commitDay))
	}
	for _, s := range e.Silver.APISources {
		out = append(out, declared(s.Current(), apiColumns(s)), declared(s.Quarantine(), apiQuarantineColumns()))
	}
	for _, s := range e.SpeedStreams() {
		day := []Column{{Name: SilverStreamDayColumn, Type: "date"}}
		out = append(out, declared(s.Events(), eventColumns(s), day...), declared(s.Late(), lateColumns(s), day...),
			declared(s.Quarantine(), streamQuarantineColumns()))
	}
	return out
}

// SpeedStreams are the streams the streaming job reads: every stream where the speed layer
// is on, none where it is off.
func (e Environment) SpeedStreams() []Stream {
	if !e.Streaming.SpeedLayer {
		return nil
	}
	return e.Streaming.Streams
}

// The jobs bundle's speed-layer jobs: the continuous streaming job, and the backfill an
// operator runs by hand.
const (
	DatabricksSpeedJob         = "speed-layer"
	DatabricksSpeedBackfillJob = "speed-backfill"
)

// The streaming job publishes, per stream, the age of the newest event in its silver table;
// the Monitoring stack alarms on it (monitoring.speedFreshnessSeconds).
const (
	SpeedMetricNamespace = "DataPlatform/SpeedLayer"
	SpeedFreshnessMetric = "NewestEventAgeSeconds"
	SpeedStreamDimension = "Stream"
)

// DatabricksMaintenanceJob is the jobs bundle's scheduled OPTIMIZE and VACUUM of silver.
const DatabricksMaintenanceJob = "silver-maintenance"

// DatabricksDataAccessRoleName is the role, and the instance profile of the same name, that
// the jobs' clusters run as: <prefix>-<env>-databricks-data-access.
func (e Environment) DatabricksDataAccessRoleName() string {
	return e.ResourceName("databricks-data-access")
}

// UnityCatalogRoleName is the storage credential's IAM role: <prefix>-<env>-databricks-uc-storage.
// Its trust names its own ARN, derived from this name (a role cannot reference itself).
func (e Environment) UnityCatalogRoleName() string {
	return e.ResourceName("databricks-uc-storage")
}

// UnityCatalogName is the environment's Unity Catalog catalog: <prefix>_<env>, as Unity
// Catalog names take no hyphens. Its schemas are the lake's layers (LayerBronze, ...).
func (e Environment) UnityCatalogName() string {
	return strings.ReplaceAll(e.Prefix+"_"+e.Name, "-", "_")
}

// UnityCatalogCredentialName is the storage credential, and the prefix of its external
// locations (<credential>-bronze, ...): <prefix>-<env>-lake.
func (e Environment) UnityCatalogCredentialName() string { return e.ResourceName("lake") }

// UnityCatalogLocationName is the external location of one layer's bucket:
// <prefix>-<env>-lake-<layer>.
func (e Environment) UnityCatalogLocationName(layer string) string {
	return e.UnityCatalogCredentialName() + "-" + layer
}

// DatabricksStackID is the Databricks stack's construct ID in each environment's stage.
const DatabricksStackID = "Databricks"

// StackName is the CloudFormation name of the environment's stack of construct ID id: the
// stage's name, a hyphen, the ID (what CDK names a stage's stacks, and `cdk deploy
// --outputs-file` keys their outputs by).
func (e Environment) StackName(id string) string { return e.Name + "-" + id }

// UnityCatalogRoleOutput is the Databricks stack's output holding the storage credential's role
// ARN, which the Unity Catalog set-up reads.
const UnityCatalogRoleOutput = "StorageCredentialRoleArn"

// UnityCatalogLayers are the layers Unity Catalog reaches: one external location and one
// schema of the catalog each, named after the layer.
var UnityCatalogLayers = []string{LayerBronze, LayerSilver, LayerGold}

// UnityCatalogManagedRoot is the catalog's managed storage under silver. A metastore made since
// late 2023 has no root storage, so a catalog needs its own; the platform's tables are external
// (they stay where Athena reads them), and only what someone creates as managed lands here.
const UnityCatalogManagedRoot = "_unity_catalog/"
