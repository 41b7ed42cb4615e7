package guard

// replacing lists the stateful resource types the guard protects and, per type, the properties
// (dotted paths into Properties) whose change makes CloudFormation replace the resource: a new
// one is created and the old one, with its data, deleted. Sources: "Update requires:
// Replacement" in the CloudFormation template reference, cross-checked with the registry
// schemas' createOnlyProperties that the pinned CDK CLI ships (node_modules/aws-cdk/db.json.gz).
// Properties marked "conditional" replace only for some changes (another engine, a restore from
// a snapshot); the guard flags every change of them and lets a reviewer allow the harmless ones.
//
// A type is here when losing it loses data or state that a redeploy cannot bring back: objects,
// databases, stream records, keys (and everything encrypted with them), secrets, catalog tables,
// the CDC position of a DMS task, logs.
var replacing = map[string][]string{
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
	"AWS::S3::Bucket": {"BucketName", "BucketNamePrefix", "BucketNamespace", "ObjectLockEnabled"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html
	"AWS::RDS::DBInstance": {
		"DBInstanceIdentifier", "DBName", "StorageEncrypted", "KmsKeyId", "DBSubnetGroupName", "MasterUsername",
		"Port", "CharacterSetName", "NcharCharacterSetName", "Timezone", "DBClusterIdentifier", "SourceRegion",
		"CustomIAMInstanceProfile", "BackupTarget", "DBSystemId",
		// conditional: another engine, or a restore from a snapshot, a point in time or a source instance
		"Engine", "DBSnapshotIdentifier", "DBClusterSnapshotIdentifier", "SourceDBInstanceIdentifier",
		"SourceDBClusterIdentifier", "SourceDbiResourceId", "SourceDBInstanceAutomatedBackupsArn",
		"RestoreTime", "UseLatestRestorableTime",
	},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html
	"AWS::RDS::DBCluster": {
		"DBClusterIdentifier", "DatabaseName", "StorageEncrypted", "KmsKeyId", "DBSubnetGroupName", "EngineMode",
		"AvailabilityZones", "PubliclyAccessible", "SnapshotIdentifier", "SourceDBClusterIdentifier",
		"SourceDbClusterResourceId", "RestoreType", "RestoreToTime", "UseLatestRestorableTime", "SourceRegion",
		"DBSystemId", "ClusterScalabilityType", "WithExpressConfiguration",
		// conditional: another engine, master user or global cluster
		"Engine", "MasterUsername", "GlobalClusterIdentifier",
	},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-stream.html
	"AWS::Kinesis::Stream": {"Name"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
	// CloudFormation refuses (fails) an update of these rather than replacing the key; the
	// guard reports them before a deploy breaks on them.
	"AWS::KMS::Key": {"KeySpec", "KeyUsage", "Origin", "MultiRegion"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html
	"AWS::SecretsManager::Secret": {"Name"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-endpoint.html
	"AWS::DMS::Endpoint": {"ResourceIdentifier", "KmsKeyId"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationinstance.html
	// Replacing the instance replaces the tasks on it (their ReplicationInstanceArn changes).
	"AWS::DMS::ReplicationInstance": {"ResourceIdentifier", "KmsKeyId", "ReplicationSubnetGroupIdentifier", "PubliclyAccessible", "DnsNameServers"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationtask.html
	// A new task starts over with a full load: its CDC position is lost and bronze gets duplicates.
	"AWS::DMS::ReplicationTask": {"ResourceIdentifier", "MigrationType", "ReplicationInstanceArn", "SourceEndpointArn", "TargetEndpointArn"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-glue-database.html
	// The reference lists DatabaseInput.Name as updatable, yet a new name detaches every
	// crawler, query and Databricks job that names the database: treated as a replacement.
	"AWS::Glue::Database": {"CatalogId", "DatabaseName", "DatabaseInput.Name"},
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html
	"AWS::Logs::LogGroup": {"LogGroupName"},
}

// Stateful reports whether the guard protects resources of cfnType.
func Stateful(cfnType string) bool {
	_, ok := replacing[cfnType]
	return ok
}

// ReplacingProperties are the properties of cfnType whose change replaces the resource.
func ReplacingProperties(cfnType string) []string {
	return replacing[cfnType]
}
