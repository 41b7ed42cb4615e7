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
	assert.True(t, bytes.Equal(committed, fresh), "jobs/targets.yml is stale: run make generate")
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

// TestRefusesADeclarationTooLongForATaskParameter: silver's declarations reach the jobs as
// task parameters; one past the 10,000 bytes Databricks documents for a run's parameters is
// refused with the environment, the variable and its size, before anything is written.
func TestRefusesADeclarationTooLongForATaskParameter(t *testing.T) {
	envs := config.All()
	for i := range envs {
		if envs[i].Name != "staging" {
			continue
		}
		table := &envs[i].Silver.Tables[0]
		for n := len(table.Columns); n < 400; n++ {
			table.Columns = append(table.Columns, config.Column{Name: fmt.Sprintf("added_column_%03d", n), Type: "string"})
		}
	}
	_, err := Generate(envs, speedJobs(t))
	require.Error(t, err)
	assert.Regexp(t, `^staging: the bundle variable silver_tables is \d+ bytes of JSON, over the 10000 bytes Databricks documents`, err.Error())
}

// TestNoSourceOfAKindIsAnEmptyList: an environment that declares no replicated table, no API
// source and no stream (a team that removed the sample's) gets [] in each source variable,
// which the jobs read as none (dataplatform_jobs/settings.py refuses anything but an array).
func TestNoSourceOfAKindIsAnEmptyList(t *testing.T) {
	for _, e := range config.All() {
		if !e.Databricks.Enabled {
			continue
		}
		e.Silver.Tables, e.Silver.APISources, e.Streaming.Streams = nil, nil, nil
		variables, err := Variables(e)
		require.NoError(t, err, e.Name)
		for _, name := range []string{"rds_tables", "api_sources", "streams"} {
			assert.Equal(t, "[]", variables[name], "%s: %s", e.Name, name)
		}
	}
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
			"\nDATABRICKS_TOKEN_AUDIENCE="+e.Databricks.AccountID+"\nSPEED_LAYER="+fmt.Sprint(e.Streaming.SpeedLayer)+"\nUNITY_CATALOG="+fmt.Sprint(e.Databricks.UnityCatalog.Enabled)+"\n", out.String())
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

// TestClustersAreDedicatedWhateverTheUnityCatalogState: whether Unity Catalog is ready
// (staging given an external ID here) or not yet (production as committed), every target's
// clusters are dedicated (SINGLE_USER) to the identity the target runs as (the jobs' service
// principal, or the deploying engineer in dev), with the instance profile: a workspace with
// legacy features disabled refuses a cluster without an access mode.
func TestClustersAreDedicatedWhateverTheUnityCatalogState(t *testing.T) {
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
	production, err := config.Select(config.All(), "production")
	require.NoError(t, err)
	require.False(t, production[0].Databricks.UnityCatalog.Ready(), "production as committed")
	for target, runAs := range map[string]string{"staging": staging[0].Databricks.JobsServicePrincipal, DevTarget: DevUser, "production": production[0].Databricks.JobsServicePrincipal} {
		cluster := doc.Targets[target].Variables.JobCluster
		assert.Equal(t, "SINGLE_USER", cluster["data_security_mode"], target)
		assert.Equal(t, runAs, cluster["single_user_name"], target)
	}
	for target, v := range doc.Targets {
		profile := v.Variables.JobCluster["aws_attributes"].(map[string]any)["instance_profile_arn"]
		assert.Regexp(t, `^arn:aws:iam::\d{12}:instance-profile/[\w-]+-databricks-data-access$`, profile, target)
	}
}

// TestEveryClusterHasAnAccessModeThatKeepsTheInstanceProfile: every environment's clusters, with
// Unity Catalog off, pending or ready, are dedicated clusters of the identity the job runs as,
// with the data-access instance profile. A cluster without data_security_mode has no isolation
// ("NONE: No security isolation for multiple users sharing the cluster", the Clusters API's
// DataSecurityMode), and an account with legacy features disabled refuses it: the setting
// "Disables the use of 'No-isolation clusters'" in new workspaces (Databricks' account setting
// disable_legacy_features, as the Databricks Terraform provider documents it:
// https://www.pulumi.com/registry/packages/databricks/api-docs/disablelegacyfeaturessetting,
// generated from the Terraform provider's).
// Dedicated access mode is "A secure cluster that can only be exclusively used by a single user
// specified in single_user_name" ("SINGLE_USER: Legacy alias for DATA_SECURITY_MODE_DEDICATED",
// databricks-bundles' DataSecurityMode); SINGLE_USER is the name these clusters already used with
// Unity Catalog on. Dedicated mode leaves the job's code the instance profile's credentials: the
// lake's paths before the external locations exist, and the speed layer's CloudWatch metric.
func TestEveryClusterHasAnAccessModeThatKeepsTheInstanceProfile(t *testing.T) {
	checked := 0
	for _, e := range config.All() {
		if !e.Databricks.Enabled {
			continue
		}
		states := map[string]config.UnityCatalog{
			"off":     {},
			"pending": {Enabled: true, ExternalID: config.UnityCatalogPending},
			"ready":   {Enabled: true, ExternalID: "5d7c36a2-9a1e-4c3b-8f0a-2b6e1d4c9f70"},
		}
		for state, uc := range states {
			e.Databricks.UnityCatalog = uc
			for _, runAs := range []string{e.Databricks.JobsServicePrincipal, DevUser} {
				cluster := JobCluster(e, runAs)
				assert.Equal(t, "SINGLE_USER", cluster["data_security_mode"], "%s, Unity Catalog %s", e.Name, state)
				assert.Equal(t, runAs, cluster["single_user_name"], "%s, Unity Catalog %s", e.Name, state)
				assert.Equal(t, fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", e.Account, e.DatabricksDataAccessRoleName()),
					cluster["aws_attributes"].(map[string]any)["instance_profile_arn"], "%s, Unity Catalog %s", e.Name, state)
				checked++
			}
		}
	}
	require.GreaterOrEqual(t, checked, 6, "no environment's clusters were checked")
}

// TestAirflowMayRunTheBatchJobByName: the batch job grants the service principal of Airflow's
// Databricks connection (config's databricks.airflowServicePrincipal) CAN_MANAGE_RUN, in every
// target. A job without permissions is visible and runnable only by its owner and admins, so
// DatabricksRunNowOperator(job_name=...) as Airflow's principal would find no job. "Jobs:
// CAN_MANAGE, CAN_MANAGE_RUN, CAN_VIEW, and IS_OWNER" are a job's levels in a bundle's
// permissions mapping, each with "user_name, group_name, or service_principal_name"
// (https://docs.databricks.com/aws/en/dev-tools/bundles/permissions); Can Manage Run may "Run now"
// and "Cancel run" but not "Edit job settings" (jobs access control,
// https://docs.databricks.com/aws/en/security/auth/access-control/#job-acls), and a run "assume[s]
// the permissions of the job owner and not the user who issued Run Now".
func TestAirflowMayRunTheBatchJobByName(t *testing.T) {
	raw, err := os.ReadFile("../../jobs/resources/bronze_to_silver.job.yml")
	require.NoError(t, err)
	var job struct {
		Resources struct {
			Jobs map[string]struct {
				Permissions []map[string]string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &job))
	assert.Equal(t, []map[string]string{{"level": "CAN_MANAGE_RUN", "service_principal_name": "${var.airflow_service_principal}"}},
		job.Resources.Jobs["bronze_to_silver"].Permissions)

	targets, err := Generate(config.All(), speedJobs(t))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct{ Variables map[string]any }
	}
	require.NoError(t, yaml.Unmarshal(targets, &doc))
	for _, e := range config.All() {
		if !e.Databricks.Enabled {
			continue
		}
		assert.Equal(t, e.Databricks.AirflowServicePrincipal, doc.Targets[e.Name].Variables["airflow_service_principal"], e.Name)
		if e.Name == DevEnvironment {
			assert.Equal(t, e.Databricks.AirflowServicePrincipal, doc.Targets[DevTarget].Variables["airflow_service_principal"], DevTarget)
		}
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
			assert.Equal(t, silverTable{Name: st.Name, Prefix: st.Prefix, Columns: columnsOf(st.Columns), PartitionKeys: columnsOf(st.PartitionKeys)}, tables[i], e.Name)
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

// TestClustersCarryTheEnvironmentTags: every target's job cluster (batch, maintenance and the
// speed layer's, which all use var.job_cluster) has its environment's tags as custom_tags, which
// Databricks puts on the cluster's EC2 instances and volumes: where environments share an
// account, their budgets count the clusters by the environment tag.
func TestClustersCarryTheEnvironmentTags(t *testing.T) {
	envs := config.All()
	raw, err := Generate(envs, speedJobs(t))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct {
			Variables struct {
				Environment string         `yaml:"environment"`
				JobCluster  map[string]any `yaml:"job_cluster"`
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Targets)
	for target, v := range doc.Targets {
		e, err := config.Select(envs, v.Variables.Environment)
		require.NoError(t, err, target)
		want := map[string]any{}
		for k, value := range e[0].Tags {
			want[k] = value
		}
		assert.Equal(t, want, v.Variables.JobCluster["custom_tags"], target)
		assert.Equal(t, e[0].Name, v.Variables.JobCluster["custom_tags"].(map[string]any)[config.EnvironmentTag], target)
	}
}
