package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/logs"
	"dataplatform/constructs/securebucket"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsmwaa"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AirflowStackProps configures NewAirflowStack.
type AirflowStackProps struct {
	// Env is the environment being built.
	Env config.Environment
	// Vpc is the shared VPC; MWAA runs in two of its private subnets.
	Vpc awsec2.IVpc
	// SecretsManager is the shared VPC's Secrets Manager interface endpoint. Its private DNS
	// sends every Secrets Manager call in the VPC through it, the connections backend's too.
	SecretsManager awsec2.IInterfaceVpcEndpoint
	// Bronze is where the API ingestion DAG writes, under api/.
	Bronze awss3.IBucket
	// DataKey encrypts the lake; the DAGs need it to write SSE-KMS objects to bronze.
	DataKey awskms.IKey
	// Silver and Gold are what dbt reads and writes through Athena, where Databricks is on.
	Silver, Gold awss3.IBucket
	// AccessLogs receives the source bucket's server access logs.
	AccessLogs awss3.IBucket
	// Crawlers are the Catalog stack's bronze crawlers, which the pipeline DAG starts.
	Crawlers map[string]Crawler
	// DbtWorkgroup is the Athena workgroup dbt runs in, from the Analytics stack.
	DbtWorkgroup Workgroup
	// QueryResults is the Athena results bucket; queries write under DbtWorkgroup.ResultsPrefix.
	QueryResults awss3.IBucket
	// AnalystsWorkgroup and AnalystsPolicy are the analysts' Athena workgroup and managed
	// policy: platform_smoke queries as an analyst through a role that holds that policy.
	AnalystsWorkgroup Workgroup
	AnalystsPolicy    awsiam.IManagedPolicy
	// Database is the source database; where smoke.writeSources is on, MWAA may connect to it
	// as the canary role, whose secret (config.Environment.SmokeSecretName) is encrypted with
	// DatabaseKey.
	Database    awsrds.IDatabaseInstance
	DatabaseKey awskms.IKey
	// StreamKey encrypts the Kinesis streams the smoke puts its events on.
	StreamKey awskms.IKey
}

// AirflowStack is the MWAA environment that orchestrates API ingestion, the bronze crawlers
// and the Databricks jobs.
type AirflowStack struct {
	awscdk.Stack
	// Environment is the MWAA environment (L1: CDK has no L2 for MWAA).
	Environment awsmwaa.CfnEnvironment
	// ExecutionRole is the role every scheduler, worker and task runs as.
	ExecutionRole awsiam.Role
	// ExecutionPolicy is the role's only policy; the environment depends on it.
	ExecutionPolicy awsiam.Policy
	// SecurityGroup lets MWAA's components reach each other; add ingress to reach the UI.
	SecurityGroup awsec2.SecurityGroup
	// SourceBucket holds dags/ and requirements.txt.
	SourceBucket awss3.Bucket
	// Key encrypts the environment, its logs and its source bucket; operators encrypt the
	// Airflow connection secrets with it too (docs/operations.md).
	Key awskms.Key
	// SmokeAnalystRole is the role platform_smoke assumes to query as an analyst: only the
	// execution role may assume it, and it holds the analysts' managed policy, nothing else.
	SmokeAnalystRole awsiam.Role
}

// Source-bucket layout MWAA reads.
const (
	dagsS3Path         = "dags"
	requirementsS3Path = "requirements.txt"
	// startupScriptS3Path is MWAA's startup script (airflow/startup.sh): it builds dbt's
	// virtual environment on every container.
	startupScriptS3Path = "startup.sh"
	// dbtProjectS3Dir is where in the DAG folder the warehouse (warehouse/, the dbt project
	// with its manifest) goes.
	dbtProjectS3Dir = "dbt"
)

// On MWAA's containers: the DAG folder, and the dbt the startup script installs.
const (
	mwaaDagsDir   = "/usr/local/airflow/dags"
	dbtExecutable = "/usr/local/airflow/dbt_venv/bin/dbt"
)

// secretsBackend is the Amazon provider's Secrets Manager backend, which MWAA documents for
// connections (MWAA User Guide, "Configuring an Apache Airflow connection using a Secrets
// Manager secret").
const secretsBackend = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"

// NewAirflowStack creates the MWAA environment, its source bucket and deployment, its key,
// security group and execution role.
func NewAirflowStack(scope constructs.Construct, id string, props *AirflowStackProps) *AirflowStack {
	env := props.Env
	stack := newStack(scope, id, env, "MWAA Airflow environment, DAG bucket and execution role of "+env.Name)
	removal := removalPolicy(env)
	s := &AirflowStack{Stack: stack}

	s.Key = logs.NewKey(stack, "AirflowKey", &logs.KeyProps{
		Alias:         env.ResourceName("airflow"),
		Description:   "Encrypts the MWAA environment, its logs, source bucket and Airflow connection secrets of " + env.Name,
		RemovalPolicy: removal,
	})
	s.SourceBucket = securebucket.New(stack, "SourceBucket", &securebucket.Props{
		BucketName:       env.BucketName(config.BucketAirflow),
		Key:              s.Key,
		AccessLogs:       props.AccessLogs,
		AccessLogsPrefix: config.BucketAirflow + "/",
		RemovalPolicy:    removal,
	})
	dags, requirements := deploySources(stack, s.SourceBucket)
	requirementsVersion := objectVersion(stack, s.SourceBucket, requirements, requirementsS3Path, "RequirementsVersion")
	startupVersion := objectVersion(stack, s.SourceBucket, requirements, startupScriptS3Path, "StartupScriptVersion")

	// MWAA's user guide (Security in your VPC on Amazon MWAA) requires a self-referencing
	// inbound rule and all outbound traffic: the workers reach AWS APIs and PyPI through NAT.
	s.SecurityGroup = awsec2.NewSecurityGroup(stack, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("MWAA " + env.AirflowEnvironmentName() + ": its components reach each other; all egress"),
		AllowAllOutbound: jsii.Bool(true),
	})
	// MWAA's scheduler, workers, webserver and metadata database talk on several ports.
	s.SecurityGroup.AddIngressRule(s.SecurityGroup, awsec2.Port_AllTraffic(), jsii.String("MWAA components to each other"), nil)
	// The Secrets Manager backend (workers, and the triggerer in the scheduler container) reads
	// connections through the endpoint, which admits only the groups that allow themselves.
	// The rule goes in this stack, like DMS's: removing MWAA removes its access.
	s.SecurityGroup.Connections().AllowTo(props.SecretsManager, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("MWAA Secrets Manager backend"))
	// platform_smoke writes its canary rows as the canary role: the database admits MWAA on its
	// port only where the smoke may write there (the rule is this stack's, like DMS's).
	if env.Smoke.WriteSources {
		s.SecurityGroup.Connections().AllowTo(props.Database, awsec2.Port_Tcp(jsii.Number(DatabasePort)), jsii.String("MWAA platform_smoke as "+config.SmokeDatabaseUser))
	}

	newAirflowRelay(stack, env, props.Vpc, s.SecurityGroup, s.Key) // PRIVATE_ONLY only: stacks/airflow_relay.go

	s.ExecutionRole = awsiam.NewRole(stack, jsii.String("ExecutionRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewCompositePrincipal(
			servicePrincipalFor(env, "airflow.amazonaws.com"),
			servicePrincipalFor(env, "airflow-env.amazonaws.com"),
		),
		Description: jsii.String("Execution role of MWAA environment " + env.AirflowEnvironmentName()),
	})
	s.SmokeAnalystRole = awsiam.NewRole(stack, jsii.String("SmokeAnalystRole"), &awsiam.RoleProps{
		RoleName:        jsii.String(env.SmokeAnalystRoleName()),
		AssumedBy:       s.ExecutionRole,
		ManagedPolicies: &[]awsiam.IManagedPolicy{props.AnalystsPolicy},
		Description:     jsii.String("platform_smoke queries silver and gold as an analyst of " + env.Name + ": assumed by MWAA's execution role only"),
	})
	s.ExecutionPolicy = awsiam.NewPolicy(stack, jsii.String("ExecutionPolicy"), &awsiam.PolicyProps{
		Roles:      &[]awsiam.IRole{s.ExecutionRole},
		Statements: executionStatements(stack, env, s, props),
	})
	suppressExecutionPolicyWildcards(stack, env, s.ExecutionPolicy)

	s.Environment = newEnvironment(stack, env, s, privateSubnetPair(props.Vpc, env), requirementsVersion, startupVersion, airflowConfigurationOptions(stack, env, props))
	// MWAA checks the role's permissions while it creates the environment, so the policy must
	// exist first; the role ARN alone does not order it.
	s.Environment.Node().AddDependency(s.ExecutionPolicy)
	s.Environment.Node().AddDependency(dags, requirements)
	return s
}

// privateSubnetPair selects the private subnets of the first two configured AZs: MWAA takes
// exactly two subnets, in two different zones.
func privateSubnetPair(vpc awsec2.IVpc, env config.Environment) *[]*string {
	return vpc.SelectSubnets(&awsec2.SubnetSelection{
		SubnetGroupName:   jsii.String(PrivateSubnets),
		AvailabilityZones: jsii.Strings(env.AvailabilityZones[:2]...),
	}).SubnetIds
}

// newEnvironment is the MWAA environment itself, sized from config. It is an L1 resource
// because aws-cdk-lib has no L2 construct for MWAA.
func newEnvironment(stack awscdk.Stack, env config.Environment, s *AirflowStack, subnets *[]*string, requirementsVersion, startupVersion *string, options map[string]*string) awsmwaa.CfnEnvironment {
	a := env.Airflow
	logging := func(level string) *awsmwaa.CfnEnvironment_ModuleLoggingConfigurationProperty {
		return &awsmwaa.CfnEnvironment_ModuleLoggingConfigurationProperty{Enabled: jsii.Bool(true), LogLevel: jsii.String(level)}
	}
	return awsmwaa.NewCfnEnvironment(stack, jsii.String("Environment"), &awsmwaa.CfnEnvironmentProps{
		Name:                         jsii.String(env.AirflowEnvironmentName()),
		AirflowVersion:               jsii.String(a.Version),
		EnvironmentClass:             jsii.String(a.EnvironmentClass),
		MinWorkers:                   jsii.Number(float64(a.MinWorkers)),
		MaxWorkers:                   jsii.Number(float64(a.MaxWorkers)),
		Schedulers:                   jsii.Number(float64(a.Schedulers)),
		WebserverAccessMode:          jsii.String(a.WebserverAccessMode),
		WeeklyMaintenanceWindowStart: jsii.String(a.MaintenanceWindow),
		SourceBucketArn:              s.SourceBucket.BucketArn(),
		DagS3Path:                    jsii.String(dagsS3Path),
		// The version changes whenever requirements.txt does, which makes CloudFormation update
		// the environment and MWAA reinstall the packages; without it MWAA keeps the old ones.
		RequirementsS3Path:          jsii.String(requirementsS3Path),
		RequirementsS3ObjectVersion: requirementsVersion,
		// Likewise the startup script, which builds dbt's virtual environment.
		StartupScriptS3Path:          jsii.String(startupScriptS3Path),
		StartupScriptS3ObjectVersion: startupVersion,
		ExecutionRoleArn:             s.ExecutionRole.RoleArn(),
		KmsKey:                       s.Key.KeyArn(),
		NetworkConfiguration: &awsmwaa.CfnEnvironment_NetworkConfigurationProperty{
			SubnetIds:        subnets,
			SecurityGroupIds: jsii.Strings(*s.SecurityGroup.SecurityGroupId()),
		},
		LoggingConfiguration: &awsmwaa.CfnEnvironment_LoggingConfigurationProperty{
			DagProcessingLogs: logging(a.LogLevel),
			SchedulerLogs:     logging(a.LogLevel),
			TaskLogs:          logging(a.TaskLogLevel),
			WebserverLogs:     logging(a.LogLevel),
			WorkerLogs:        logging(a.LogLevel),
		},
		AirflowConfigurationOptions: options,
	})
}

// airflowConfigurationOptions hands the DAGs every name they need: MWAA exposes option
// platform.x as the environment variable AIRFLOW__PLATFORM__X (dags/platform_lib/settings.py).
// Connections come from Secrets Manager under one prefix; variables and config options are
// not looked up there (null prefixes), so no task pays a Secrets Manager call for them.
func airflowConfigurationOptions(stack awscdk.Stack, env config.Environment, props *AirflowStackProps) map[string]*string {
	crawlers := make([]string, len(config.CrawlerFamilies))
	for i, family := range config.CrawlerFamilies {
		crawlers[i] = props.Crawlers[family].Name
	}
	backendKwargs, err := json.Marshal(map[string]any{
		"connections_prefix": env.AirflowConnectionsPrefix(),
		"variables_prefix":   nil,
		"config_prefix":      nil,
	})
	if err != nil {
		panic(err)
	}
	options := map[string]*string{
		"platform.region":            jsii.String(env.Region),
		"platform.bronze_bucket":     jsii.String(env.BucketName(config.BucketBronze)),
		"platform.bronze_api_prefix": jsii.String(config.BronzeAPIRoot),
		"platform.bronze_database":   jsii.String(env.DatabaseName(config.LayerBronze)),
		"platform.crawlers":          jsii.String(strings.Join(crawlers, ",")),
		"platform.dbt_workgroup":     jsii.String(props.DbtWorkgroup.Name),
		"platform.alert_topic_arn":   jsii.String(alertTopicArn(stack, env)),
		// platform_smoke (dags/smoke_plan.json says what it writes and reads).
		"platform.smoke_stages":           jsii.String(env.SmokeStagesOption()),
		"platform.dms_task_id":            jsii.String(env.ReplicationTaskIdentifier()),
		"platform.smoke_analyst_role":     jsii.String(smokeAnalystRoleArn(stack, env)),
		"platform.analyst_workgroup":      jsii.String(props.AnalystsWorkgroup.Name),
		"platform.silver_database":        jsii.String(env.DatabaseName(config.LayerSilver)),
		"platform.gold_database":          jsii.String(env.DatabaseName(config.LayerGold)),
		"platform.smoke_metric_namespace": jsii.String(env.SmokeMetricNamespace()),
		"secrets.backend":                 jsii.String(secretsBackend),
		"secrets.backend_kwargs":          jsii.String(string(backendKwargs)),
	}
	// Options with nothing to say are left out: the DAG reads a missing one as "".
	if env.Smoke.Schedule != "" {
		options["platform.smoke_schedule"] = jsii.String(env.Smoke.Schedule)
	}
	if env.Smoke.WriteSources {
		options["platform.smoke_secret"] = jsii.String(env.SmokeSecretName())
	}
	if streams := kinesisStreamsOption(env); streams != "" {
		options["platform.kinesis_streams"] = jsii.String(streams)
	}
	// Where Databricks is off the DAG has no Databricks task at all: it is built from this.
	// Nor gold: without the batch job there is no silver for dbt.
	if env.Databricks.Enabled {
		options["platform.databricks_batch_job"] = jsii.String(env.DatabricksJobName(config.DatabricksBatchJob))
		options["platform.dbt_target"] = jsii.String(env.Name)
		options["platform.dbt_project_dir"] = jsii.String(mwaaDagsDir + "/" + dbtProjectS3Dir)
		options["platform.dbt_executable"] = jsii.String(dbtExecutable)
	}
	return options
}

// kinesisStreamsOption is declared-name=kinesis-stream-name for every stream, comma-separated.
func kinesisStreamsOption(env config.Environment) string {
	var pairs []string
	for _, st := range env.Streaming.Streams {
		pairs = append(pairs, st.Name+"="+env.StreamName(st.Name))
	}
	return strings.Join(pairs, ",")
}

// alertTopicArn is the Monitoring stack's alert topic, by its config-derived name: Monitoring
// is built after this stack (it watches it), so it cannot hand the topic over.
func alertTopicArn(stack awscdk.Stack, env config.Environment) string {
	return arnOf(stack, "sns", env.AlertTopicName())
}

// repoDir is a directory of this repository, found from this file's location so that synth
// works from the repository root (cdk synth) and from test/ (go test) alike.
func repoDir(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", name)
}

// deploySources uploads dags/ (without its tests and project files) to dags/, the warehouse
// (the dbt project and its manifest, without its tests and tools) to dags/dbt/, and
// airflow/requirements.txt and startup.sh to the bucket's root. Each deployment is a CDK
// custom resource backed by a Lambda function; the DAGs' deployment waits for the warehouse's.
func deploySources(stack awscdk.Stack, bucket awss3.IBucket) (dags, requirements awss3deployment.BucketDeployment) {
	dbtPrefix := dagsS3Path + "/" + dbtProjectS3Dir + "/"
	warehouse := awss3deployment.NewBucketDeployment(stack, jsii.String("DeployWarehouse"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket:    bucket,
		DestinationKeyPrefix: jsii.String(dbtPrefix),
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(repoDir("warehouse")), &awss3assets.AssetOptions{
			// What dbt reads: the project, its models and macros, the profiles and the manifest.
			Exclude: jsii.Strings("tests", ".venv", "target", "logs", ".pytest_cache", ".ruff_cache", "pyproject.toml", "uv.lock",
				"*.py", "**/__pycache__", "**/*.pyc"),
		})},
		Prune: jsii.Bool(true),
	})
	dags = awss3deployment.NewBucketDeployment(stack, jsii.String("DeployDags"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket:    bucket,
		DestinationKeyPrefix: jsii.String(dagsS3Path + "/"),
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(repoDir("dags")), &awss3assets.AssetOptions{
			// The DAG folder is also the DAG tests' uv project: none of that reaches MWAA.
			Exclude: jsii.Strings("tests", ".venv", ".pytest_cache", ".ruff_cache", "pyproject.toml", "uv.lock", "**/__pycache__", "**/*.pyc"),
		})},
		// Prune removes DAGs deleted from the repository; it only touches dags/, and not
		// dags/dbt/, which is the warehouse's deployment (the sync's exclude spares it).
		Prune:   jsii.Bool(true),
		Exclude: jsii.Strings(dbtProjectS3Dir + "/*"),
	})
	dags.Node().AddDependency(warehouse)
	requirements = awss3deployment.NewBucketDeployment(stack, jsii.String("DeployRequirements"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(repoDir("airflow")), &awss3assets.AssetOptions{
			Exclude: jsii.Strings("*", "!"+requirementsS3Path, "!"+startupScriptS3Path),
		})},
		// The bucket root also holds dags/: pruning here would delete the DAGs.
		Prune: jsii.Bool(false),
	})
	suppressBucketDeploymentProvider(stack)
	return dags, requirements
}

// objectVersion is the S3 version ID of one file of airflow/ (requirements.txt, startup.sh) as
// deployed at key. The version exists only at deploy time, so a custom resource reads it
// (HeadObject) after the deployment. Its properties carry the file's SHA-256: a changed file
// changes them, so CloudFormation calls it again and the new version reaches the environment;
// an unchanged file costs no call.
func objectVersion(stack awscdk.Stack, bucket awss3.IBucket, deployment awss3deployment.BucketDeployment, key, id string) *string {
	content, err := os.ReadFile(filepath.Join(repoDir("airflow"), key))
	if err != nil {
		panic("airflow: " + err.Error())
	}
	sum := sha256.Sum256(content)
	head := &customresources.AwsSdkCall{
		Service:            jsii.String("S3"),
		Action:             jsii.String("headObject"),
		Parameters:         map[string]any{"Bucket": bucket.BucketName(), "Key": key},
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String("VersionId")),
		OutputPaths:        jsii.Strings("VersionId"),
	}
	lookup := customresources.NewAwsCustomResource(stack, jsii.String(id), &customresources.AwsCustomResourceProps{
		OnCreate: head,
		OnUpdate: head,
		// HeadObject is authorized by s3:GetObject (there is no s3:HeadObject action), on this one key.
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("s3:GetObject"),
			Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String(key))),
		})}),
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	lookup.Node().AddDependency(deployment)
	resource := lookup.Node().FindChild(jsii.String("Resource")).Node().DefaultChild().(awscdk.CfnResource)
	resource.AddPropertyOverride(jsii.String(strings.TrimSuffix(id, "Version")+"Sha256"), hex.EncodeToString(sum[:]))
	suppressAwsCustomResourceProvider(stack)
	return lookup.GetResponseField(jsii.String("VersionId"))
}

// suppressAwsCustomResourceProvider scopes the findings on the Lambda that CDK ships to make
// AWS SDK calls from CloudFormation (one singleton per stack).
func suppressAwsCustomResourceProvider(stack awscdk.Stack) {
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack,
		jsii.String(*stack.Node().Path()+"/"+awsCustomResourceProviderID),
		&[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-IAM4"),
			Reason: jsii.String("CDK's AwsCustomResource provider uses AWSLambdaBasicExecutionRole to write its logs; it runs only during deployments."),
		}}, jsii.Bool(true))
}

// awsCustomResourceProviderID is the fixed ID of CDK's AwsCustomResource singleton function.
const awsCustomResourceProviderID = "AWS679f53fac002430cb0da5b7982bd2287"

// bucketDeploymentProviderID is the fixed ID of CDK's BucketDeployment singleton function.
const bucketDeploymentProviderID = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"

// suppressBucketDeploymentProvider scopes the findings on the Lambda that CDK ships to copy
// assets into buckets (one singleton per stack, shared by both deployments).
func suppressBucketDeploymentProvider(stack awscdk.Stack) {
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack,
		jsii.String(*stack.Node().Path()+"/"+bucketDeploymentProviderID),
		&[]*cdknag.NagPackSuppression{
			{
				Id:     jsii.String("AwsSolutions-IAM4"),
				Reason: jsii.String("CDK's BucketDeployment provider uses AWSLambdaBasicExecutionRole to write its logs; it runs only during deployments."),
			},
			{
				Id:     jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK's BucketDeployment provider copies whole asset folders: it gets object wildcards on the CDK asset bucket and on the Airflow source bucket, and KMS data-key actions for that bucket's key; all generated by CDK's grants."),
			},
			{
				Id:     jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("CDK pins the runtime of its BucketDeployment provider; it is updated with aws-cdk-lib."),
			},
		}, jsii.Bool(true))
}
