package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/internal/unitycatalog"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestTargetsAreCurrent: jobs/targets.yml is what config generates today.
func TestTargetsAreCurrent(t *testing.T) {
	fresh, err := Generate(config.All(), speedJobs(t))
	require.NoError(t, err)
	committed, err := os.ReadFile("../../jobs/targets.yml")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(committed, fresh), "jobs/targets.yml is stale: run make bundle-config")
}

// TestOneProductionTargetPerDatabricksEnvironment: production mode (stable job names) for every
// environment with Databricks on, none for the others, and the job names Airflow looks up.
func TestOneProductionTargetPerDatabricksEnvironment(t *testing.T) {
	raw, err := Generate(config.All(), speedJobs(t))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct {
			Mode      string
			Default   bool
			Variables map[string]any
			RunAs     map[string]string `yaml:"run_as"`
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	for _, e := range config.All() {
		target, ok := doc.Targets[e.Name]
		require.Equal(t, e.Databricks.Enabled, ok, e.Name)
		if !ok {
			continue
		}
		assert.Equal(t, "production", target.Mode, e.Name)
		assert.Equal(t, e.Databricks.JobsServicePrincipal, target.RunAs["service_principal_name"], e.Name, "the jobs run as their own principal")
		assert.Equal(t, e.DatabricksJobName(config.DatabricksBatchJob), target.Variables["batch_job_name"], e.Name)
		assert.Equal(t, "s3://"+e.BucketName(config.BucketSilver)+"/", target.Variables["silver_uri"], e.Name)
	}
	dev := doc.Targets[DevTarget]
	assert.Equal(t, "development", dev.Mode)
	assert.True(t, dev.Default, "a bare `databricks bundle deploy` goes to the personal target")
	assert.Contains(t, dev.Variables["silver_uri"], "/"+DevSilverRoot, "dev runs never write the environment's silver")
}

func TestRefusesConfigWithoutDatabricks(t *testing.T) {
	envs := config.All()
	for i := range envs {
		envs[i].Databricks.Enabled = false
	}
	_, err := Generate(envs, speedJobs(t))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "no environment has databricks.enabled"))
}

// TestPysparkIsTheRuntimes: the jobs' tests run the Spark of the runtime the clusters pin.
func TestPysparkIsTheRuntimes(t *testing.T) {
	raw, err := os.ReadFile("../../jobs/pyproject.toml")
	require.NoError(t, err)
	pin := regexp.MustCompile(`"pyspark==([0-9.]+)"`).FindSubmatch(raw)
	require.NotNil(t, pin, "jobs/pyproject.toml pins pyspark exactly")
	delta := regexp.MustCompile(`"delta-spark==([0-9]+\.[0-9]+)\.[0-9]+"`).FindSubmatch(raw)
	require.NotNil(t, delta, "jobs/pyproject.toml pins delta-spark exactly")
	for _, e := range config.All() {
		if e.Databricks.Enabled {
			assert.Equal(t, config.DatabricksRuntimes[e.Databricks.Runtime], string(pin[1]), "%s: databricks.runtime %s", e.Name, e.Databricks.Runtime)
		}
	}
	assert.True(t, strings.HasPrefix(string(pin[1]), string(delta[1])+"."), "delta-spark %s is built for Spark %s", delta[1], pin[1])
}

func TestPrintsTheDeploySettingsOfOneEnvironment(t *testing.T) {
	for _, e := range config.All() {
		var out, errs bytes.Buffer
		require.Equal(t, 0, run([]string{"-env", e.Name}, &out, &errs), errs.String())
		if !e.Databricks.Enabled {
			assert.Empty(t, out.String(), "%s has no bundle target", e.Name)
			continue
		}
		assert.Equal(t, "TARGET="+e.Name+"\nDATABRICKS_HOST="+e.Databricks.WorkspaceHost+"\nDATABRICKS_CLIENT_ID="+e.Databricks.DeployServicePrincipal+
			"\nSPEED_LAYER="+fmt.Sprint(e.Streaming.SpeedLayer)+"\nUNITY_CATALOG="+fmt.Sprint(e.Databricks.UnityCatalog.Enabled)+"\n", out.String())
	}
	var out, errs bytes.Buffer
	assert.Equal(t, 2, run([]string{"-env", "nowhere"}, &out, &errs))
	assert.Contains(t, errs.String(), "-env must name one environment of config")
}

func speedJobs(t *testing.T) map[string]any {
	t.Helper()
	jobs, err := SpeedJobs("../../jobs/speed_layer.yml")
	require.NoError(t, err)
	return jobs
}

// TestSpeedJobsOnlyWhereTheSpeedLayerIsOn: the speed layer's jobs are in the targets of
// environments with streaming.speedLayer on, and in no other.
func TestSpeedJobsOnlyWhereTheSpeedLayerIsOn(t *testing.T) {
	envs := config.All()
	for i := range envs {
		if envs[i].Name == "production" {
			envs[i].Streaming.SpeedLayer = false
		}
	}
	raw, err := Generate(envs, speedJobs(t))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct {
			Resources struct {
				Jobs map[string]any
			}
			Variables map[string]any
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	assert.ElementsMatch(t, []string{"speed_layer", "speed_backfill"}, slices.Collect(maps.Keys(doc.Targets["staging"].Resources.Jobs)))
	assert.Empty(t, doc.Targets[DevTarget].Resources.Jobs, "no engineer's deploy runs a continuous job")
	assert.Empty(t, doc.Targets["production"].Resources.Jobs, "production's speed layer is off here")
	assert.Equal(t, "[]", doc.Targets["production"].Variables["streams"], "no streams where the speed layer is off")
}

// TestClustersFollowTheUnityCatalogSwitch: where Unity Catalog is ready (staging given an
// external ID here) the clusters are dedicated Unity Catalog clusters of the identity the
// target runs as (the jobs' service principal, or the deploying engineer in dev); elsewhere
// (production, pending as committed) they have no access mode and reach the lake through the
// instance profile.
func TestClustersFollowTheUnityCatalogSwitch(t *testing.T) {
	envs := config.All()
	for i := range envs {
		if envs[i].Name == "staging" {
			envs[i].Databricks.UnityCatalog.ExternalID = "5d7c36a2-9a1e-4c3b-8f0a-2b6e1d4c9f70"
		}
	}
	raw, err := Generate(envs, speedJobs(t))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct {
			Variables struct {
				JobCluster map[string]any `yaml:"job_cluster"`
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	staging, _ := config.Select(envs, "staging")
	require.True(t, staging[0].Databricks.UnityCatalog.Ready())
	for target, runAs := range map[string]string{"staging": staging[0].Databricks.JobsServicePrincipal, DevTarget: DevUser} {
		cluster := doc.Targets[target].Variables.JobCluster
		assert.Equal(t, "SINGLE_USER", cluster["data_security_mode"], target)
		assert.Equal(t, runAs, cluster["single_user_name"], target)
	}
	require.False(t, config.All()[2].Databricks.UnityCatalog.Ready(), "production as committed")
	legacy := doc.Targets["production"].Variables.JobCluster
	assert.NotContains(t, legacy, "data_security_mode")
	assert.NotContains(t, legacy, "single_user_name")
	for target, v := range doc.Targets {
		profile := v.Variables.JobCluster["aws_attributes"].(map[string]any)["instance_profile_arn"]
		assert.Regexp(t, `^arn:aws:iam::\d{12}:instance-profile/[\w-]+-databricks-data-access$`, profile, target)
	}
}

// TestSilverIsRegisteredInTheSchemaTheSetUpGrants: where Unity Catalog is ready the batch job
// registers every silver table (config's, as the Glue catalog has them) in the silver schema the
// set-up creates and lets the jobs create tables in; nowhere else, and never from dev.
func TestSilverIsRegisteredInTheSchemaTheSetUpGrants(t *testing.T) {
	for _, e := range config.All() {
		if !e.Databricks.Enabled {
			continue
		}
		for _, ready := range []bool{false, true} {
			if ready && e.Databricks.UnityCatalog.Enabled {
				e.Databricks.UnityCatalog.ExternalID = "5d7c36a2-9a1e-4c3b-8f0a-2b6e1d4c9f70"
			}
			checkRegistration(t, e)
		}
	}
	raw, err := Generate(config.All(), speedJobs(t))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct{ Variables map[string]any }
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	assert.Empty(t, doc.Targets[DevTarget].Variables["silver_schema"], "an engineer's silver is registered nowhere")
}

func checkRegistration(t *testing.T, e config.Environment) {
	{
		vars, err := Variables(e)
		require.NoError(t, err)
		var tables []silverTable
		require.NoError(t, json.Unmarshal([]byte(vars["silver_tables"].(string)), &tables))
		require.Len(t, tables, len(e.SilverTables()), e.Name)
		for i, st := range e.SilverTables() {
			assert.Equal(t, silverTable{st.Name, st.Prefix}, tables[i], e.Name)
		}
		if !e.Databricks.UnityCatalog.Ready() {
			assert.Empty(t, vars["silver_schema"], e.Name)
			return
		}
		plan := unitycatalog.NewPlan(e)
		assert.Contains(t, plan.Catalog.Schemas, config.LayerSilver)
		schema := plan.Catalog.Name + "." + config.LayerSilver
		assert.Equal(t, schema, vars["silver_schema"], e.Name)
		var privileges []string
		for _, g := range plan.Grants {
			if g.SecurableType == "schema" && g.FullName == schema && g.Principal == e.Databricks.JobsServicePrincipal {
				privileges = g.Privileges
			}
		}
		assert.Subset(t, privileges, []string{"USE_SCHEMA", "CREATE_TABLE", "MODIFY"}, e.Name)
	}
}
