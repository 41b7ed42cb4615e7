package stacks

import (
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
	Airflow  *AirflowStack
}

// Build validates envs and, only if they are all valid, adds to app one account stage per
// distinct AWS account and one stage per environment, checked by cdk-nag's AwsSolutions pack.
// It returns config.Errors, and adds nothing, when any environment is invalid.
func Build(app awscdk.App, envs []config.Environment) ([]*Platform, []*AccountStack, error) {
	if err := config.Validate(envs...); err != nil {
		return nil, nil, err
	}
	var accounts []*AccountStack
	for _, group := range byAccount(envs) {
		stage := awscdk.NewStage(app, jsii.String("account-"+group[0].Account), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(group[0].Account), Region: jsii.String(group[0].Region)},
		})
		accounts = append(accounts, NewAccountStack(stage, "Account", &AccountStackProps{Account: group[0].Account, Envs: group}))
	}
	var platforms []*Platform
	for _, env := range envs {
		platforms = append(platforms, NewPlatform(app, env))
	}
	AddNagChecks(app)
	return platforms, accounts, nil
}

// AddNagChecks applies cdk-nag's AwsSolutions pack to every stage of app. Aspects added to
// the app itself do not cross Stage boundaries, so an app-level pack would check nothing here.
func AddNagChecks(app awscdk.App) {
	for _, child := range *app.Node().Children() {
		if *awscdk.Stage_IsStage(child) {
			awscdk.Aspects_Of(child).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		}
	}
}

// NewPlatform adds one environment's stage with all of its stacks, wired by typed handles.
func NewPlatform(app awscdk.App, env config.Environment) *Platform {
	stage := awscdk.NewStage(app, jsii.String(env.Name), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
	})
	for _, k := range sortedKeys(env.Tags) {
		awscdk.Tags_Of(stage).Add(jsii.String(k), jsii.String(env.Tags[k]), nil)
	}
	p := &Platform{Env: env, Stage: stage}
	p.Network = NewNetworkStack(stage, "Network", &NetworkStackProps{Env: env})
	p.DataLake = NewDataLakeStack(stage, "DataLake", &DataLakeStackProps{Env: env})
	p.Airflow = NewAirflowStack(stage, "Airflow", &AirflowStackProps{
		Env:        env,
		Vpc:        p.Network.Vpc,
		Bronze:     p.DataLake.Bronze,
		DataKey:    p.DataLake.Key,
		AccessLogs: p.DataLake.AccessLogs,
	})
	return p
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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
