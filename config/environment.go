// Package config holds everything that differs between two deployments of the
// platform, one file per environment, and validates it before any stack is built.
//
// A setting is named, in validation messages and in docs/configuration.md, by its field path
// in lowerCamel case (network.natGateways, streaming.streams[].name); a `config:"name"` tag
// names a field whose name that rule does not give (accountId, not accountID).
package config

// Environment is one deployment of the whole platform: a CDK Stage of the same name.
type Environment struct {
	// Name is the stage name (develop, staging, production); it prefixes resource names.
	Name string
	// Source is the file that defines the environment (config/develop.go), set by All() so
	// that messages comparing environments can say where each one is; not a setting.
	Source string
	// Account is the 12-digit AWS account ID the stage deploys to.
	Account string
	// Region is the AWS region the stage deploys to.
	Region string
	// AvailabilityZones are named explicitly so synth never looks them up.
	AvailabilityZones []string
	// Prefix starts every globally unique name (S3 buckets); lowercase letters, digits, hyphens.
	Prefix string
	// Tags are applied to every taggable resource of the stage.
	Tags map[string]string
	// TerminationProtection is set on every stack of the stage.
	TerminationProtection bool
	// Removal decides what happens to stateful resources when they leave the app.
	Removal Removal
	// Network sizes the shared VPC.
	Network Network
	// DataLake sets the lifecycle of the bronze, silver and gold layers and of the access logs.
	DataLake DataLake
	// Monitoring sets who is alerted and when the alarms of every pipeline stage fire.
	Monitoring Monitoring
	// Budget is the monthly cost budget whose actual and forecast alerts go to the alert topic.
	Budget Budget
	// GitHub is the repository whose workflows may deploy this environment and diff it on pull requests.
	GitHub GitHub
	// Databricks is the customer-managed VPC, roles and root bucket of a Databricks workspace.
	Databricks Databricks
	// Streaming lists the Kinesis event streams and their Firehose delivery into bronze.
	Streaming Streaming
	// Catalog schedules the Glue crawlers over bronze and keeps their logs.
	Catalog Catalog
	// Analytics sizes the Athena workgroups and keeps their query results.
	Analytics Analytics
	// Database sizes the RDS PostgreSQL instance that is the CDC source.
	Database Database
	// Cdc configures the DMS replication from the database into bronze.
	Cdc Cdc
	// Airflow sizes the MWAA environment that orchestrates ingestion, crawlers and jobs.
	Airflow Airflow
	// Silver is what the batch jobs keep in silver: the replicated tables and API sources.
	Silver Silver
	// Warehouse configures the dbt warehouse over silver: the serving view and freshness.
	Warehouse Warehouse
	// Smoke configures platform_smoke, the run that proves data flows through every path.
	Smoke Smoke
}

// Removal is what CloudFormation does with a stateful resource when it is deleted from the app.
type Removal string

const (
	// RemovalDestroy deletes the resource and, for buckets, empties it first: develop only.
	RemovalDestroy Removal = "destroy"
	// RemovalRetain keeps the resource (databases keep a final snapshot).
	RemovalRetain Removal = "retain"
)

// Network sizes the shared VPC that hosts the database, DMS and Airflow.
type Network struct {
	// CIDR is the VPC's IPv4 block, an RFC 1918 range from /16 to /24.
	CIDR string
	// NATGateways is how many NAT gateways serve the private subnets: 1 to one per AZ where MWAA
	// is on, 0 where it is off (the private subnets are then isolated: no route out).
	NATGateways int
	// PublicSubnetMask, PrivateSubnetMask and IsolatedSubnetMask are the prefix lengths of
	// each subnet of that tier; there is one subnet per tier and availability zone.
	PublicSubnetMask   int
	PrivateSubnetMask  int
	IsolatedSubnetMask int
	// FlowLogRetentionDays keeps VPC flow logs this long; a CloudWatch Logs retention value.
	FlowLogRetentionDays int
	// S3PrefixListID is the AWS-managed prefix list com.amazonaws.<region>.s3 of the region
	// (aws ec2 describe-managed-prefix-lists): security groups reach S3's gateway endpoint
	// through it instead of 0.0.0.0/0. versions.yml checks it against AWS weekly.
	S3PrefixListID string `config:"s3PrefixListId"`
}

// DataLake configures the medallion layers.
type DataLake struct {
	// Bronze holds raw data as captured (DMS, Firehose, API ingestion).
	Bronze Lifecycle
	// Silver holds cleaned, conformed Delta tables written by Databricks.
	Silver Lifecycle
	// Gold holds the warehouse: aggregates and marts (Databricks, dbt on Athena).
	Gold Lifecycle
	// AccessLogsExpirationDays deletes S3 server access logs after this many days.
	AccessLogsExpirationDays int
}

// Lifecycle moves and expires the objects of one layer; 0 switches a step off.
type Lifecycle struct {
	// InfrequentAccessAfterDays moves current objects to STANDARD_IA (S3 requires >= 30).
	InfrequentAccessAfterDays int
	// GlacierAfterDays moves current objects to S3 Glacier Instant Retrieval, which every reader
	// (Athena, Glue, Spark) reads like any object: colder and cheaper to keep, dearer to read.
	GlacierAfterDays int
	// ArchiveAfterDays moves the objects under ArchivePrefixes to S3 Glacier Deep Archive,
	// which no reader can read without a restore (Athena skips such objects silently, Spark
	// fails on them); 0 is off.
	ArchiveAfterDays int
	// ArchivePrefixes are the prefixes of the bucket that nothing reads any more and that may
	// go to Deep Archive, e.g. "errors/" in bronze. Validation refuses a prefix that a reader
	// reads: bronze's producer prefixes (rds/, kinesis/, api/), and all of silver and gold.
	ArchivePrefixes []string
	// ExpireAfterDays deletes current objects; it must come after every transition.
	ExpireAfterDays int
	// NoncurrentVersionExpirationDays deletes overwritten or deleted versions.
	NoncurrentVersionExpirationDays int
}
