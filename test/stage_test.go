package test

import (
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/constructs/logs"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStagesAndTerminationProtection(t *testing.T) {
	require.Len(t, suite.platforms, len(config.All()))
	for _, p := range suite.platforms {
		assert.Equal(t, p.Env.Name, *p.Stage.StageName())
		for _, child := range *p.Stage.Node().Children() {
			if stack, ok := child.(awscdk.Stack); ok {
				assert.Equal(t, p.Env.TerminationProtection, *stack.TerminationProtection(), "%s/%s", p.Env.Name, *stack.StackName())
				assert.Equal(t, p.Env.Account, *stack.Account())
				assert.Equal(t, p.Env.Region, *stack.Region())
			}
		}
	}
	production := suite.platforms[len(suite.platforms)-1]
	require.Equal(t, "production", production.Env.Name)
	assert.True(t, *production.Network.TerminationProtection(), "production must be protected")
}

func TestTagsFromConfig(t *testing.T) {
	for _, p := range suite.platforms {
		vpc := resourcesOf(t, p.Network.Stack, "AWS::EC2::VPC")
		for _, r := range vpc {
			for k, v := range p.Env.Tags {
				assert.Contains(t, r.Properties["Tags"], map[string]any{"Key": k, "Value": v})
			}
		}
	}
}

func TestOneAccountStagePerAccount(t *testing.T) {
	accounts := map[string]bool{}
	for _, env := range config.All() {
		accounts[env.Account] = true
	}
	require.Len(t, suite.accounts, len(accounts))
	for _, a := range suite.accounts {
		assert.Equal(t, "account-"+*a.Account(), *awscdk.Stage_Of(a.Stack).StageName())
	}
}

func TestBuildRefusesInvalidConfigAndAddsNothing(t *testing.T) {
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	bad := config.All()
	bad[1].Network.CIDR = "10.0.0.0/33"
	bad[2].Account = "12345"
	_, _, err = stacks.Build(app, bad, "")
	require.EqualError(t, err, `staging: network.cidr "10.0.0.0/33": must be an RFC 1918 IPv4 network address with a prefix from /16 to /24, such as 10.10.0.0/16
production: account "12345": must be a 12-digit AWS account ID`)
	assert.Empty(t, *app.Node().Children(), "nothing may be built from an invalid config")
}

func TestEnvironmentsSharingAnAccountShareOneAccountStage(t *testing.T) {
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	envs := config.All()
	envs[1].Account = envs[0].Account
	_, accounts, err := stacks.Build(app, envs, "")
	require.NoError(t, err)
	require.Len(t, accounts, 2)
	assert.Equal(t, "account-"+envs[0].Account, *awscdk.Stage_Of(accounts[0].Stack).StageName())
	assert.Equal(t, jsii.String(envs[0].Account), accounts[0].Account())
}

func TestSelectingOneEnvironmentKeepsItsAccountStageWhole(t *testing.T) {
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	envs := config.All()
	envs[1].Account = envs[0].Account
	platforms, accounts, err := stacks.Build(app, envs, envs[1].Name)
	require.NoError(t, err)
	require.Len(t, platforms, 1)
	assert.Equal(t, envs[1].Name, platforms[0].Env.Name)
	require.Len(t, accounts, 1, "only the selected environment's account")
	for _, env := range envs[:2] {
		role := accounts[0].Node().TryFindChild(jsii.String("GitHub" + strings.ToUpper(env.Name[:1]) + env.Name[1:] + "DeployRole"))
		assert.NotNil(t, role, "the account stage must keep %s's deploy role", env.Name)
	}
}

func TestUnknownEnvironmentIsAnError(t *testing.T) {
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	_, _, err = stacks.Build(app, config.All(), "prod")
	require.EqualError(t, err, `unknown environment "prod": valid names are develop, staging, production`)
	assert.Empty(t, *app.Node().Children())
}

func TestEveryConfigRetentionHasACloudWatchValue(t *testing.T) {
	seen := map[string]bool{}
	for _, days := range config.LogRetentionDays {
		r := logs.Retention(days)
		assert.False(t, seen[string(r)], "%d maps to %s twice", days, r)
		seen[string(r)] = true
	}
	assert.Panics(t, func() { logs.Retention(2) })
}

// TestConfigRegionsAreCDKs: validation's region list (config has no jsii) is exactly the
// region table of the aws-cdk-lib in go.mod, so an unknown region is refused before any
// construct sees it, and a CDK upgrade's new region fails here until config lists it.
func TestConfigRegionsAreCDKs(t *testing.T) {
	var known []string
	for _, r := range *regioninfo.RegionInfo_Regions() {
		known = append(known, *r.Name())
	}
	assert.ElementsMatch(t, known, config.Regions)
}
