package config

import "fmt"

// Bucket purposes: the middle part of every bucket name. A stack that adds a bucket adds its
// purpose here, so validation can prove every name fits S3's 63-character limit.
const (
	BucketBronze     = "bronze"
	BucketSilver     = "silver"
	BucketGold       = "gold"
	BucketAccessLogs = "access-logs"
	// BucketAirflow is MWAA's source bucket: dags/ and requirements.txt.
	BucketAirflow = "airflow"
)

var bucketPurposes = []string{BucketBronze, BucketSilver, BucketGold, BucketAccessLogs, BucketAirflow}

// BucketName is the globally unique name of one of the environment's buckets:
// <prefix>-<env>-<purpose>-<account>-<region>.
func (e Environment) BucketName(purpose string) string {
	return fmt.Sprintf("%s-%s-%s-%s-%s", e.Prefix, e.Name, purpose, e.Account, e.Region)
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
)

// BronzeKinesisPrefix is where Firehose delivers one stream: kinesis/<stream>/.
func BronzeKinesisPrefix(stream string) string { return "kinesis/" + stream + "/" }

// BronzeAPIRoot is the prefix under which the API ingestion DAG writes every source.
const BronzeAPIRoot = "api/"

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

// Athena workgroups: analysts query interactively, dbt builds gold from Airflow.
const (
	WorkgroupAnalysts = "analysts"
	WorkgroupDbt      = "dbt"
)

// WorkgroupName is the Athena workgroup for one audience: <prefix>-<env>-<audience>.
func (e Environment) WorkgroupName(audience string) string {
	return e.ResourceName(audience)
}

// AirflowEnvironmentName is the MWAA environment: <prefix>-<env>-airflow. MWAA names its log
// groups airflow-<name>-<LogType>, which the execution role's policy is scoped to.
func (e Environment) AirflowEnvironmentName() string {
	return e.ResourceName("airflow")
}

// DatabricksTokenSecretName is the Secrets Manager secret holding the Databricks workspace
// URL and the token Airflow uses to trigger jobs: <prefix>-<env>-databricks-token.
func (e Environment) DatabricksTokenSecretName() string {
	return e.ResourceName("databricks-token")
}
