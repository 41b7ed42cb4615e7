package stacks

import (
	"fmt"
	"strconv"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/logs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DatabasePort is PostgreSQL's port. Moving it would hide nothing: the security group is
// what keeps the database private.
const DatabasePort = 5432

// databaseSecretExcludedCharacters are the characters awsrds.DatabaseSecret keeps out of a
// generated password (aws-rds/lib/private/util.ts, DEFAULT_PASSWORD_EXCLUDE_CHARS): they break
// connection strings and shells.
const databaseSecretExcludedCharacters = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"

// DatabaseMasterUsername owns the database; DMS reads it, with its password, from the secret.
const DatabaseMasterUsername = "postgres"

// DatabaseStackProps configures NewDatabaseStack.
type DatabaseStackProps struct {
	// Env is the environment being built.
	Env config.Environment
	// Vpc hosts the instance in its isolated subnets and the rotation Lambda in its private ones.
	Vpc awsec2.IVpc
	// SecretsManager is the interface endpoint (private DNS) the rotation Lambda's Secrets
	// Manager calls resolve to; the Lambda's group may reach it and the database, nothing else.
	SecretsManager awsec2.IInterfaceVpcEndpoint
}

// DatabaseStack is the RDS PostgreSQL instance that DMS captures changes from.
type DatabaseStack struct {
	awscdk.Stack
	// Instance is the database; connect clients through its Connections.
	Instance awsrds.DatabaseInstance
	// Secret holds the master credentials with host, port and database name (JSON).
	Secret awssecretsmanager.ISecret
	// Key encrypts the storage, snapshots, the secret and Performance Insights.
	Key awskms.Key
	// LogsKey encrypts the database's CloudWatch log groups; CloudWatch Logs may use it.
	LogsKey awskms.Key
	// SecurityGroup guards the database port; clients are admitted from their own stacks.
	SecurityGroup awsec2.SecurityGroup
	// RotationSecurityGroup is the secret-rotation Lambda's: the database port and the
	// Secrets Manager endpoint, nothing else.
	RotationSecurityGroup awsec2.SecurityGroup
	// SmokeSecret is the canary PostgreSQL role's secret (config.SmokeDatabaseUser), attached
	// to the instance (RDS-style JSON with host, port, dbname, engine) and rotated on its own;
	// nil where smoke.writeSources is off.
	SmokeSecret awssecretsmanager.ISecret
}

// NewDatabaseStack creates the instance with logical replication on, its key, secret,
// parameter group, security group and log groups.
func NewDatabaseStack(scope constructs.Construct, id string, props *DatabaseStackProps) *DatabaseStack {
	env, db := props.Env, props.Env.Database
	stack := newStack(scope, id, env, "RDS PostgreSQL source of change data capture of "+env.Name)
	s := &DatabaseStack{Stack: stack}

	s.Key = awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{
		Alias:             jsii.String(env.ResourceName("database")),
		Description:       jsii.String("Encrypts the source database of " + env.Name + ": storage, snapshots, secret, Performance Insights"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removalPolicy(env),
	})
	s.LogsKey = logs.NewKey(stack, "LogsKey", &logs.KeyProps{Alias: env.ResourceName("database-logs"), RemovalPolicy: removalPolicy(env)})
	s.SecurityGroup = databaseSecurityGroup(stack, props.Vpc, db)

	engine := awsrds.DatabaseInstanceEngine_Postgres(&awsrds.PostgresInstanceEngineProps{
		Version: awsrds.PostgresEngineVersion_Of(jsii.String(db.EngineVersion), jsii.String(db.Major()), nil),
	})
	secret := awsrds.NewDatabaseSecret(stack, jsii.String("Secret"), &awsrds.DatabaseSecretProps{
		Username:      jsii.String(DatabaseMasterUsername),
		EncryptionKey: s.Key,
	})
	// The secret outlives the instance where a final snapshot does: restoring needs its password.
	secret.ApplyRemovalPolicy(removalPolicy(env))

	instanceProps := &awsrds.DatabaseInstanceProps{
		InstanceIdentifier:      jsii.String(env.DatabaseInstanceIdentifier()),
		Engine:                  engine,
		InstanceType:            awsec2.NewInstanceType(jsii.String(strings.TrimPrefix(db.InstanceClass, "db."))),
		Vpc:                     props.Vpc,
		VpcSubnets:              &awsec2.SubnetSelection{SubnetGroupName: jsii.String(IsolatedSubnets)},
		SecurityGroups:          &[]awsec2.ISecurityGroup{s.SecurityGroup},
		Port:                    jsii.Number(DatabasePort),
		PubliclyAccessible:      jsii.Bool(false),
		Credentials:             awsrds.Credentials_FromSecret(secret, nil),
		DatabaseName:            jsii.String(db.DatabaseName),
		ParameterGroup:          logicalReplicationParameters(stack, engine, db),
		StorageType:             awsrds.StorageType_GP3,
		AllocatedStorage:        jsii.Number(float64(db.AllocatedStorageGiB)),
		MaxAllocatedStorage:     jsii.Number(float64(db.MaxAllocatedStorageGiB)),
		StorageEncrypted:        jsii.Bool(true),
		StorageEncryptionKey:    s.Key,
		MultiAz:                 jsii.Bool(db.MultiAZ),
		BackupRetention:         days(db.BackupRetentionDays),
		CopyTagsToSnapshot:      jsii.Bool(true),
		DeletionProtection:      jsii.Bool(db.DeletionProtection),
		RemovalPolicy:           snapshotRemovalPolicy(env),
		AutoMinorVersionUpgrade: jsii.Bool(true),
		IamAuthentication:       jsii.Bool(db.IAMAuthentication),
		CloudwatchLogsExports:   jsii.Strings(db.LogExports...),
		MonitoringInterval:      monitoringInterval(db.MonitoringIntervalSeconds),
	}
	if pi := db.PerformanceInsightsRetentionDays; pi > 0 {
		instanceProps.EnablePerformanceInsights = jsii.Bool(true)
		instanceProps.PerformanceInsightEncryptionKey = s.Key
		instanceProps.PerformanceInsightRetention = performanceInsightRetention(pi)
	}
	s.Instance = awsrds.NewDatabaseInstance(stack, jsii.String("Instance"), instanceProps)
	s.createLogGroups(env)
	s.Secret = s.Instance.Secret()

	// Single-user rotation: the SAR-hosted rotation Lambda runs in the private subnets and
	// reaches two things only: the database port (the rotation adds that rule) and the Secrets
	// Manager endpoint, which its calls reach through the endpoint's private DNS.
	s.RotationSecurityGroup = awsec2.NewSecurityGroup(stack, jsii.String("RotationSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("Secret rotation Lambda: PostgreSQL to the database, HTTPS to the Secrets Manager endpoint"),
		AllowAllOutbound: jsii.Bool(false),
	})
	s.RotationSecurityGroup.Connections().AllowTo(props.SecretsManager, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("Secret rotation Lambda"))
	// No Endpoint: CDK's RotationSingleUserOptions.endpoint says "If you enable private DNS
	// hostnames for your VPC private endpoint (the default), you don't need to specify an
	// endpoint. The standard Secrets Manager DNS hostname the Secrets Manager CLI and SDKs use
	// by default (https://secretsmanager.<region>.amazonaws.com) automatically resolves to your
	// VPC endpoint." (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_rds.RotationSingleUserOptions.html,
	// aws-rds/lib/props.ts). Passing one makes CDK (aws-secretsmanager/lib/secret-rotation.ts)
	// build https://<vpce-id>.secretsmanager.<region>.<suffix>, which is none of the endpoint's
	// documented DNS names (those are <vpce-id>-<suffix>.secretsmanager.<region>.vpce.amazonaws.com).
	s.Instance.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: days(db.SecretRotationDays),
		VpcSubnets:         &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)},
		SecurityGroup:      s.RotationSecurityGroup,
	})
	if env.Smoke.WriteSources {
		s.SmokeSecret = s.smokeSecret(env, props.Vpc)
	}
	suppressDatabaseFindings(s.Instance, db)
	return s
}

// smokeSecret is the canary role's secret: its own generated password, named so that the
// smoke finds it (platform.smoke_secret), encrypted with the database key, and rotated by its
// own hosted single-user rotation in the same private subnets and security group as the
// master's, which the database already admits. The role itself is created once by hand
// (config/sources/smoke_setup.sql, with this secret's password): the first rotation waits
// for the schedule instead of running at deploy, when the role may not exist yet.
func (s *DatabaseStack) smokeSecret(env config.Environment, vpc awsec2.IVpc) awssecretsmanager.ISecret {
	secret := awsrds.NewDatabaseSecret(s.Stack, jsii.String("SmokeSecret"), &awsrds.DatabaseSecretProps{
		Username:      jsii.String(config.SmokeDatabaseUser),
		SecretName:    jsii.String(env.SmokeSecretName()),
		Dbname:        jsii.String(env.Database.DatabaseName),
		EncryptionKey: s.Key,
	})
	secret.ApplyRemovalPolicy(removalPolicy(env))
	attached := secret.Attach(s.Instance)
	awssecretsmanager.NewSecretRotation(s.Stack, jsii.String("SmokeSecretRotation"), &awssecretsmanager.SecretRotationProps{
		Application:               awssecretsmanager.SecretRotationApplication_POSTGRES_ROTATION_SINGLE_USER(),
		Secret:                    attached,
		Target:                    s.Instance,
		Vpc:                       vpc,
		VpcSubnets:                &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnets)},
		SecurityGroup:             s.RotationSecurityGroup,
		AutomaticallyAfter:        days(env.Database.SecretRotationDays),
		RotateImmediatelyOnUpdate: jsii.Bool(false),
		// What DatabaseSecret leaves out of the first password, the rotation leaves out too
		// (AddRotationSingleUser passes the secret's own; SecretRotation does not know them).
		ExcludeCharacters: jsii.String(databaseSecretExcludedCharacters),
	})
	return attached
}

// databaseSecurityGroup admits nobody by itself: DMS and the rotation Lambda add their own
// ingress, and config may name further CIDRs or security groups. The database opens no
// connections, so it has no egress.
func databaseSecurityGroup(stack awscdk.Stack, vpc awsec2.IVpc, db config.Database) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(stack, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("PostgreSQL source database: only DMS, secret rotation and configured clients"),
		AllowAllOutbound: jsii.Bool(false),
	})
	port := awsec2.Port_Tcp(jsii.Number(DatabasePort))
	for _, cidr := range db.AllowedCIDRs {
		sg.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(cidr)), port, jsii.String("Configured client network "+cidr), nil)
	}
	for _, id := range db.AllowedSecurityGroupIDs {
		sg.AddIngressRule(awsec2.Peer_SecurityGroupId(jsii.String(id), nil), port, jsii.String("Configured client group "+id), nil)
	}
	return sg
}

// logicalReplicationParameters is the parameter group DMS needs: logical replication on
// (static: it is set before the instance first starts), slots and WAL senders sized from
// config, and TLS forced on every version.
func logicalReplicationParameters(stack awscdk.Stack, engine awsrds.IInstanceEngine, db config.Database) awsrds.ParameterGroup {
	return awsrds.NewParameterGroup(stack, jsii.String("ParameterGroup"), &awsrds.ParameterGroupProps{
		Engine:      engine,
		Description: jsii.String("Logical replication for DMS change data capture"),
		Parameters: &map[string]*string{
			"rds.logical_replication": jsii.String("1"),
			"rds.force_ssl":           jsii.String("1"),
			"max_replication_slots":   jsii.String(strconv.Itoa(db.MaxReplicationSlots)),
			"max_wal_senders":         jsii.String(strconv.Itoa(db.MaxWalSenders)),
		},
	})
}

// monitoringInterval is nil when enhanced monitoring is off (0).
func monitoringInterval(seconds int) awscdk.Duration {
	if seconds == 0 {
		return nil
	}
	return awscdk.Duration_Seconds(jsii.Number(float64(seconds)))
}

// performanceInsightRetention converts config's days to the L2's enum: 7 is the free
// default, 731 is long term, and anything between is a number of 31-day months.
func performanceInsightRetention(days int) awsrds.PerformanceInsightRetention {
	switch days {
	case 7:
		return awsrds.PerformanceInsightRetention_DEFAULT
	case 731:
		return awsrds.PerformanceInsightRetention_LONG_TERM
	}
	return awsrds.PerformanceInsightRetention(fmt.Sprintf("MONTHS_%d", days/31))
}

// createLogGroups creates the groups RDS exports to before the instance does, so they are
// KMS-encrypted and expire; RDS would otherwise create them unencrypted and kept forever.
func (s *DatabaseStack) createLogGroups(env config.Environment) {
	for _, logType := range env.Database.LogExports {
		group := logs.NewGroup(s.Stack, "LogGroup-"+logType, &logs.GroupProps{
			LogGroupName:  jsii.String(env.DatabaseLogGroupName(logType)),
			Key:           s.LogsKey,
			RetentionDays: env.Database.LogRetentionDays,
			RemovalPolicy: removalPolicy(env),
		})
		s.Instance.Node().AddDependency(group)
	}
}

// suppressDatabaseFindings scopes the findings that config decides deliberately.
func suppressDatabaseFindings(instance awsrds.DatabaseInstance, db config.Database) {
	suppressions := []*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-RDS11"),
		Reason: jsii.String(fmt.Sprintf("PostgreSQL's port %d is kept: a moved port hides nothing, the security group admits only DMS, rotation and configured clients.", DatabasePort)),
	}}
	if !db.MultiAZ {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-RDS3"),
			Reason: jsii.String("Config runs this environment's database in one AZ to save cost; production is Multi-AZ."),
		})
	}
	if !db.DeletionProtection {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-RDS10"),
			Reason: jsii.String("This environment's removal is destroy: its database is disposable and deleted with the stack. Retained environments must have deletion protection (config validation)."),
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(instance, &suppressions, jsii.Bool(false))
	if role := instance.Node().TryFindChild(jsii.String("MonitoringRole")); role != nil {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM4"),
			Reason:    jsii.String("Enhanced monitoring's role uses the AWS managed AmazonRDSEnhancedMonitoringRole, which only writes the RDSOSMetrics log group."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
		}}, jsii.Bool(true))
	}
}
