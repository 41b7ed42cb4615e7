package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow these tests read; actionlint (make lint)
// checks the syntax, these the project's rules.
type workflow struct {
	On          map[string]any `yaml:"on"`
	Permissions any
	Concurrency map[string]any
	Jobs        map[string]struct {
		Strategy    struct{ Matrix map[string]any }
		Needs       any
		Uses        string
		Environment any
		Permissions any
		Concurrency any
		Steps       []struct {
			Uses string
			Run  string
			If   string
			With map[string]any
		}
	}
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", ".github", "workflows", name))
	require.NoError(t, err)
	var w workflow
	require.NoError(t, yaml.Unmarshal(raw, &w), name)
	return w
}

// TestDeployRunsTheTestsFirst: a deploy runs ci.yml on its commit and deploys that run's
// assembly, one run per environment at a time, without cancelling a deploy half-way.
func TestDeployRunsTheTestsFirst(t *testing.T) {
	deploy := readWorkflow(t, "deploy.yml")
	assert.Equal(t, "./.github/workflows/ci.yml", deploy.Jobs["test"].Uses)
	assert.ElementsMatch(t, []any{"target", "test"}, deploy.Jobs["deploy"].Needs)
	assert.Contains(t, deploy.Concurrency["group"], "deploy-")
	assert.Equal(t, false, deploy.Concurrency["cancel-in-progress"])
	assert.Nil(t, deploy.Jobs["deploy"].Concurrency, "a job group equal to the workflow's would wait forever")
	var downloads []string
	for _, s := range deploy.Jobs["deploy"].Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			downloads = append(downloads, s.With["name"].(string))
		}
		if strings.Contains(s.Run, "cdk deploy") {
			assert.Contains(t, s.Run, "--app cdk.out", "deploy the tested assembly, never a new synth")
		}
	}
	assert.Equal(t, []string{ciArtifact(t)}, downloads)
	assert.Contains(t, readWorkflow(t, "ci.yml").On, "workflow_call")
}

// ciArtifact is the name under which ci.yml uploads its assembly.
func ciArtifact(t *testing.T) string {
	for _, s := range readWorkflow(t, "ci.yml").Jobs["test"].Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			return s.With["name"].(string)
		}
	}
	t.Fatal("ci.yml uploads no artifact")
	return ""
}

// TestWorkflowRules: no static AWS keys anywhere, an OIDC token only for the jobs that assume
// an AWS role, and uploads that keep hidden files (an asset's .airflowignore).
func TestWorkflowRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	oidcJobs := map[string]bool{"deploy.yml/deploy": true, "deploy.yml/bundle": true, "diff.yml/diff": true,
		"diff.yml/bundle-validate": true, "versions.yml/check": true}
	for _, f := range files {
		name := filepath.Base(f)
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, secret := range []string{"aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "DATABRICKS_TOKEN", "DATABRICKS_CLIENT_SECRET"} {
			assert.NotContains(t, string(raw), secret, name)
		}
		w := readWorkflow(t, name)
		for jobName, job := range w.Jobs {
			key := name + "/" + jobName
			permissions, _ := job.Permissions.(map[string]any)
			if oidcJobs[key] {
				assert.Equal(t, "write", permissions["id-token"], key)
			} else {
				assert.NotContains(t, permissions, "id-token", key)
			}
			for _, s := range job.Steps {
				if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
					assert.Equal(t, true, s.With["include-hidden-files"], "%s: %s", key, s.Uses)
				}
			}
		}
	}
}

// TestCIUsesTheLockedPython: the uv locks are made for the Python of .python-version; CI's
// setup-python reads the same file, so the two cannot drift.
func TestCIUsesTheLockedPython(t *testing.T) {
	var found bool
	for _, s := range readWorkflow(t, "ci.yml").Jobs["test"].Steps {
		if strings.HasPrefix(s.Uses, "actions/setup-python@") {
			found = true
			assert.Equal(t, ".python-version", s.With["python-version-file"])
			assert.NotContains(t, s.With, "python-version")
		}
	}
	assert.True(t, found, "ci.yml sets up no Python")
	raw, err := os.ReadFile(filepath.Join("..", ".python-version"))
	require.NoError(t, err)
	version := strings.TrimSpace(string(raw))
	for _, project := range []string{"tools", "dags", "rehearsal", "jobs"} {
		pyproject, err := os.ReadFile(filepath.Join("..", project, "pyproject.toml"))
		require.NoError(t, err)
		assert.Contains(t, string(pyproject), `requires-python = ">=`+version, project)
	}
}

// TestProtectedEnvironmentsAreDiffedOnlyWithReview: where config's GitHub.ReviewedDiffs is on,
// diff.yml runs that environment's diff in its reviewed GitHub environment (whose subject alone
// the diff role trusts), and every other environment's without one.
func TestProtectedEnvironmentsAreDiffedOnlyWithReview(t *testing.T) {
	job := readWorkflow(t, "diff.yml").Jobs["diff"]
	assert.Equal(t, "${{ matrix.github-environment }}", job.Environment)
	entries := map[string]string{}
	for _, raw := range list(job.Strategy.Matrix["include"]) {
		entry := raw.(map[string]any)
		entries[entry["environment"].(string)], _ = entry["github-environment"].(string)
	}
	reviewed := 0
	for _, p := range suite.platforms {
		want := ""
		if p.Env.GitHub.ReviewedDiffs {
			want = p.Env.DiffEnvironment()
			reviewed++
		}
		got, ok := entries[p.Env.Name]
		require.True(t, ok, "diff.yml does not diff %s", p.Env.Name)
		assert.Equal(t, want, got, "%s's diff job environment", p.Env.Name)
	}
	assert.Positive(t, reviewed, "production's diffs are reviewed")
}

// TestVersionCheckRunsWeeklyFromTheDefaultBranch: versions.yml runs on a schedule, in the
// GitHub environment whose subject alone its role trusts, and checks every environment.
func TestVersionCheckRunsWeeklyFromTheDefaultBranch(t *testing.T) {
	w := readWorkflow(t, "versions.yml")
	assert.Contains(t, w.On, "schedule")
	assert.NotContains(t, w.On, "pull_request", "a pull request must never get the version-check role")
	job := w.Jobs["check"]
	assert.Equal(t, config.VersionCheckEnvironment, job.Environment)
	assert.Equal(t, map[string]any{"contents": "read", "id-token": "write"}, job.Permissions)
	var envs []string
	for _, raw := range list(job.Strategy.Matrix["include"]) {
		envs = append(envs, raw.(map[string]any)["environment"].(string))
	}
	var want []string
	for _, p := range suite.platforms {
		want = append(want, p.Env.Name)
	}
	assert.ElementsMatch(t, want, envs)
}

// TestBundleDeployFollowsCdkDeploy: deploy.yml deploys the environment's bundle target after
// its stacks, in the same GitHub environment, with the Databricks CLI authenticated by OIDC.
func TestBundleDeployFollowsCdkDeploy(t *testing.T) {
	deploy := readWorkflow(t, "deploy.yml")
	bundle := deploy.Jobs["bundle"]
	assert.ElementsMatch(t, []any{"target", "deploy"}, bundle.Needs)
	assert.Equal(t, deploy.Jobs["deploy"].Environment, bundle.Environment, "the deploy principal trusts the environment's subject")
	var cli, deployed, restarted bool
	for _, s := range bundle.Steps {
		cli = cli || strings.HasPrefix(s.Uses, "databricks/setup-cli@")
		deployed = deployed || strings.Contains(s.Run, `databricks bundle deploy -t "$TARGET"`)
		// A continuous job runs its old wheel until its run starts again: only where it exists.
		restarted = restarted || strings.Contains(s.Run, `databricks bundle run -t "$TARGET" --restart --no-wait speed_layer`) &&
			strings.Contains(s.If, "env.SPEED_LAYER == 'true'")
	}
	assert.True(t, cli && deployed, "the bundle job installs the CLI and deploys the target")
	assert.True(t, restarted, "the deploy restarts the speed layer's continuous job where the target has it")
	raw, err := os.ReadFile(filepath.Join("..", ".github", "workflows", "deploy.yml"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), "DATABRICKS_AUTH_TYPE: github-oidc")
}

// TestUnityCatalogSetUpBeforeTheBundle: where the target has Unity Catalog, the bundle job runs
// the set-up on the stacks' outputs, which the deploy job wrote and passed on, before it deploys
// the jobs whose clusters need the external locations.
func TestUnityCatalogSetUpBeforeTheBundle(t *testing.T) {
	deploy := readWorkflow(t, "deploy.yml")
	var written, uploaded bool
	for _, s := range deploy.Jobs["deploy"].Steps {
		written = written || strings.Contains(s.Run, "cdk deploy") && strings.Contains(s.Run, "--outputs-file cdk-outputs.json")
		uploaded = uploaded || strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["name"] == "cdk-outputs" && s.With["path"] == "cdk-outputs.json"
	}
	assert.True(t, written && uploaded, "the deploy job keeps its stacks' outputs for the bundle job")
	setUp, downloaded, deployed := -1, -1, -1
	var into string
	for i, s := range deploy.Jobs["bundle"].Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") && s.With["name"] == "cdk-outputs" {
			downloaded, into = i, fmt.Sprint(s.With["path"])
		}
		if strings.Contains(s.Run, "unity-catalog-setup --plan") {
			setUp = i
			// The set-up reads the file where the download put it.
			assert.Equal(t, "${{ runner.temp }}/outputs", into)
			assert.Contains(t, s.Run, `--outputs "$RUNNER_TEMP/outputs/cdk-outputs.json"`)
			assert.Contains(t, s.Run, `go run ./cmd/unitycatalog -env "$ENVIRONMENT"`)
			assert.Contains(t, s.If, "env.UNITY_CATALOG == 'true'")
		}
		if strings.Contains(s.Run, `databricks bundle deploy -t "$TARGET"`) {
			deployed = i
		}
	}
	require.True(t, downloaded >= 0 && setUp >= 0 && deployed >= 0, "download %d, set-up %d, deploy %d", downloaded, setUp, deployed)
	assert.Less(t, downloaded, setUp)
	assert.Less(t, setUp, deployed, "the external locations exist before the jobs that read through them")
}

// TestPullRequestsValidateOnlyStagingsBundle: a pull request validates the staging target and
// nothing else; production's is validated only by its own deploy.
func TestPullRequestsValidateOnlyStagingsBundle(t *testing.T) {
	job := readWorkflow(t, "diff.yml").Jobs["bundle-validate"]
	assert.Nil(t, job.Environment, "no GitHub environment: a PR never holds an environment's credentials")
	var commands []string
	for _, s := range job.Steps {
		if strings.Contains(s.Run, "databricks ") {
			commands = append(commands, strings.TrimSpace(s.Run))
		}
		assert.NotContains(t, s.Run, "production")
		assert.NotContains(t, s.Run, "bundle deploy")
	}
	assert.Equal(t, []string{"databricks bundle validate -t staging"}, commands)
	for _, e := range config.All() {
		if e.Name == "staging" {
			assert.True(t, e.Databricks.Enabled, "the PR check validates staging's target")
		}
	}
}
