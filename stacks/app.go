package stacks

import (
	"maps"
	"slices"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Platform is one environment's stage and the stacks in it.
type Platform struct {
	// Env is the environment the stage was built from.
	Env config.Environment
	// Stage is named after the environment: `cdk deploy 'staging/*'` deploys one environment.
	Stage    awscdk.Stage
	Network  *NetworkStack
	DataLake *DataLakeStack
	// Databricks is nil when the environment has Databricks switched off.
	Databricks *DatabricksStack
	// Streaming is the Kinesis -> Firehose path into bronze.
	Streaming *StreamingStack
	// Catalog is the Glue databases and bronze crawlers.
	Catalog *CatalogStack
	// Analytics is the Athena workgroups and the analysts' policy.
	Analytics *AnalyticsStack
	// Database is the operational PostgreSQL source of change data capture.
	Database *DatabaseStack
	// Cdc is the DMS task that copies the database's changes into bronze.
	Cdc *CdcStack
	// Airflow is the MWAA environment that orchestrates ingestion and processing; nil when the
	// environment has MWAA switched off (airflow.disabled).
	Airflow *AirflowStack
	// Monitoring is built last: it watches every other stack of the stage.
	Monitoring *MonitoringStack
}

// Build validates envs and, only if they are all valid, adds to app a stage for the
// environment called only (every environment when only is empty) and an account stage for
// each of their AWS accounts, all checked by cdk-nag's AwsSolutions pack. An account stage
// always holds the account-wide resources of every environment in that account, so deploying
// it after a one-environment synth never deletes another environment's roles.
// It returns an error, and adds nothing, when any environment is invalid or only is unknown.
func Build(app awscdk.App, envs []config.Environment, only string) ([]*Platform, []*AccountStack, error) {
	if err := config.Validate(envs...); err != nil {
		return nil, nil, err
	}
	selected, err := config.Select(envs, only)
	if err != nil {
		return nil, nil, err
	}
	var accounts []*AccountStack
	for _, group := range byAccount(envs) {
		if !slices.ContainsFunc(selected, func(e config.Environment) bool { return e.Account == group[0].Account }) {
			continue
		}
		stage := awscdk.NewStage(app, jsii.String("account-"+group[0].Account), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(group[0].Account), Region: jsii.String(group[0].Region)},
		})
		accounts = append(accounts, NewAccountStack(stage, "Account", &AccountStackProps{Account: group[0].Account, Envs: group}))
		AddNagChecks(stage)
	}
	var platforms []*Platform
	for _, env := range selected {
		// Whether the account is shared is read from every environment, not only the selected.
		p := NewPlatform(app, env, len(env.AccountPeers(envs)) > 0)
		AddNagChecks(p.Stage)
		platforms = append(platforms, p)
	}
	return platforms, accounts, nil
}

// AddNagChecks runs cdk-nag's AwsSolutions pack over one stage. It must be added to each
// stage: a stage synthesizes on its own and does not run the aspects of the app above it.
func AddNagChecks(stage awscdk.Stage) {
	awscdk.Aspects_Of(stage).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// NewPlatform adds one environment's stage with all of its stacks, wired by typed handles.
// sharesAccount is whether other environments deploy to env's account (its budget then counts
// only env's tagged costs).
func NewPlatform(app awscdk.App, env config.Environment, sharesAccount bool) *Platform {
	stage := awscdk.NewStage(app, jsii.String(env.Name), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
	})
	for _, k := range slices.Sorted(maps.Keys(env.Tags)) {
		awscdk.Tags_Of(stage).Add(jsii.String(k), jsii.String(env.Tags[k]), nil)
	}
	p := &Platform{Env: env, Stage: stage}
	p.Network = NewNetworkStack(stage, "Network", &NetworkStackProps{Env: env})
	p.DataLake = NewDataLakeStack(stage, "DataLake", &DataLakeStackProps{Env: env})
	if env.Databricks.Enabled {
		p.Databricks = NewDatabricksStack(stage, config.DatabricksStackID, &DatabricksStackProps{
			Env: env, Bronze: p.DataLake.Bronze, Silver: p.DataLake.Silver, Gold: p.DataLake.Gold, DataKey: p.DataLake.Key,
			AccessLogs: p.DataLake.AccessLogs,
		})
	}
	p.Streaming = NewStreamingStack(stage, "Streaming", &StreamingStackProps{Env: env, Bronze: p.DataLake.Bronze, DataKey: p.DataLake.Key})
	p.Catalog = NewCatalogStack(stage, "Catalog", &CatalogStackProps{
		Env: env, Key: p.DataLake.Key, Bronze: p.DataLake.Bronze, Silver: p.DataLake.Silver, Gold: p.DataLake.Gold,
	})
	p.Analytics = NewAnalyticsStack(stage, "Analytics", &AnalyticsStackProps{
		Env: env, Key: p.DataLake.Key, Silver: p.DataLake.Silver, Gold: p.DataLake.Gold,
		AccessLogs: p.DataLake.AccessLogs, Catalog: p.Catalog,
	})
	p.Database = NewDatabaseStack(stage, "Database", &DatabaseStackProps{
		Env: env, Vpc: p.Network.Vpc, SecretsManager: p.Network.SecretsManager,
	})
	p.Cdc = NewCdcStack(stage, "Cdc", &CdcStackProps{
		Env:            env,
		Vpc:            p.Network.Vpc,
		SecretsManager: p.Network.SecretsManager,
		S3:             p.Network.S3,
		Database:       p.Database.Instance,
		DatabaseSecret: p.Database.Secret,
		DatabaseKey:    p.Database.Key,
		LogsKey:        p.Database.LogsKey,
		Bronze:         p.DataLake.Bronze,
		DataKey:        p.DataLake.Key,
	})
	if env.Airflow.Enabled() {
		p.Airflow = newAirflowStack(stage, env, p)
	}
	p.Monitoring = NewMonitoringStack(stage, "Monitoring", &MonitoringStackProps{
		Env:        env,
		Network:    p.Network,
		DataLake:   p.DataLake,
		Database:   p.Database,
		Cdc:        p.Cdc,
		Streaming:  p.Streaming,
		Catalog:    p.Catalog,
		Analytics:  p.Analytics,
		Databricks: p.Databricks,
		Airflow:    p.Airflow,
		// Where other environments deploy to the account, the budget counts only env's tagged costs.
		SharesAccount: sharesAccount,
	})
	return p
}

// newAirflowStack adds the MWAA environment of env, wired to the stacks of p built before it.
func newAirflowStack(stage awscdk.Stage, env config.Environment, p *Platform) *AirflowStack {
	return NewAirflowStack(stage, "Airflow", &AirflowStackProps{
		Env:               env,
		Vpc:               p.Network.Vpc,
		SecretsManager:    p.Network.SecretsManager,
		Bronze:            p.DataLake.Bronze,
		Silver:            p.DataLake.Silver,
		Gold:              p.DataLake.Gold,
		DataKey:           p.DataLake.Key,
		AccessLogs:        p.DataLake.AccessLogs,
		Crawlers:          p.Catalog.Crawlers,
		DbtWorkgroup:      p.Analytics.Workgroups[config.WorkgroupDbt],
		QueryResults:      p.Analytics.ResultsBucket,
		AnalystsWorkgroup: p.Analytics.Workgroups[config.WorkgroupAnalysts],
		AnalystsPolicy:    p.Analytics.AnalystsPolicy,
		Database:          p.Database.Instance,
		DatabaseKey:       p.Database.Key,
		StreamKey:         p.Streaming.Key,
	})
}

// byAccount groups environments by account, in the order accounts first appear.
func byAccount(envs []config.Environment) [][]config.Environment {
	var order []string
	groups := map[string][]config.Environment{}
	for _, env := range envs {
		if _, seen := groups[env.Account]; !seen {
			order = append(order, env.Account)
		}
		groups[env.Account] = append(groups[env.Account], env)
	}
	var out [][]config.Environment
	for _, account := range order {
		out = append(out, groups[account])
	}
	return out
}
