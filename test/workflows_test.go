package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	Jobs        map[string]job
}

// job is one job of a workflow.
type job struct {
	Strategy    struct{ Matrix map[string]any }
	Needs       any
	Uses        string
	Environment any
	Permissions any
	Concurrency any
	Env         map[string]string
	Steps       []step
}

// step is one step of a job.
type step struct {
	ID   string
	Uses string
	Run  string
	If   string
	With map[string]any
	Env  map[string]string
}

// workflowNames lists every workflow file of .github/workflows.
func workflowNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	return names
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

// TestWorkflowRules: no stored secret and no static AWS key anywhere, an OIDC token only for
// the jobs that assume an AWS role or a Databricks service principal, and uploads that keep
// hidden files (an asset's .airflowignore) and replace their artifact when a job is re-run.
func TestWorkflowRules(t *testing.T) {
	oidcJobs := map[string]bool{"deploy.yml/deploy": true, "diff.yml/diff": true,
		"diff.yml/bundle-validate": true, "versions.yml/check": true}
	// Static Databricks credentials by name; DATABRICKS_TOKEN_AUDIENCE is no credential.
	databricksSecrets := regexp.MustCompile(`DATABRICKS_TOKEN\b|DATABRICKS_CLIENT_SECRET`)
	for _, name := range workflowNames(t) {
		raw, err := os.ReadFile(filepath.Join("..", ".github", "workflows", name))
		require.NoError(t, err)
		assert.NotContains(t, string(raw), "secrets.", "%s reads a stored secret: OIDC only", name)
		assert.NotRegexp(t, databricksSecrets, string(raw), name)
		w := readWorkflow(t, name)
		// Each AWS key variable, and each configure-aws-credentials output that may fill it,
		// appears in the file only where assertAWSCredentialsFromOIDC found it filled so.
		keys := map[string]int{}
		for jobName, job := range w.Jobs {
			key := name + "/" + jobName
			permissions, _ := job.Permissions.(map[string]any)
			if oidcJobs[key] {
				assert.Equal(t, "write", permissions["id-token"], key)
			} else {
				assert.NotContains(t, permissions, "id-token", key)
			}
			assertAWSCredentialsFromOIDC(t, key, job, keys)
			for _, s := range job.Steps {
				if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
					assert.Equal(t, true, s.With["include-hidden-files"], "%s: %s", key, s.Uses)
					// Artifact names are unique in a workflow run, and a re-run is the same run:
					// "If false, the action will fail if an artifact for the given name already
					// exists" (https://github.com/actions/upload-artifact, action.yml and README,
					// input `overwrite`, default false). So every upload replaces its artifact.
					assert.Equal(t, true, s.With["overwrite"], "%s: %s %v must set overwrite: true, or a re-run fails on it", key, s.Uses, s.With["name"])
				}
			}
		}
		for variable, output := range awsKeyOutputs {
			assert.Equal(t, keys[variable], strings.Count(string(raw), variable), "%s names %s outside a step's env from an OIDC role assumption", name, variable)
			assert.Equal(t, keys[variable], strings.Count(string(raw), output), "%s names %s outside a step's env from an OIDC role assumption", name, output)
		}
	}
}

// awsKeyOutputs maps the AWS SDKs' credential variables to the step outputs of
// aws-actions/configure-aws-credentials (output-credentials: true) that may fill them.
var awsKeyOutputs = map[string]string{
	"AWS_ACCESS_KEY_ID":     "aws-access-key-id",
	"AWS_SECRET_ACCESS_KEY": "aws-secret-access-key",
	"AWS_SESSION_TOKEN":     "aws-session-token",
}

// assertAWSCredentialsFromOIDC: configure-aws-credentials is only ever given a role to assume
// through OIDC, never keys, and an AWS key variable is set only on a step, from the outputs of
// such a step before it in the job: short-lived, and inherited by no other step (a step of a
// job with id-token: write can still mint its own token; docs/cicd.md says so). It counts each
// variable so filled in found.
func assertAWSCredentialsFromOIDC(t *testing.T, key string, job job, found map[string]int) {
	t.Helper()
	assumed := map[string]bool{}
	for name := range job.Env {
		assert.NotContains(t, awsKeyOutputs, name, "%s sets %s for the whole job", key, name)
	}
	for _, s := range job.Steps {
		for name, value := range s.Env {
			output, isKey := awsKeyOutputs[name]
			if !isKey {
				continue
			}
			ref := regexp.MustCompile(`^\$\{\{ steps\.([A-Za-z0-9_-]+)\.outputs\.` + regexp.QuoteMeta(output) + ` \}\}$`).FindStringSubmatch(value)
			if assert.True(t, ref != nil && assumed[ref[1]], "%s: %s=%s is not the output of an OIDC role assumption before it", key, name, value) {
				found[name]++
			}
		}
		if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
			assert.NotEmpty(t, s.With["role-to-assume"], "%s: %s assumes no role", key, s.Uses)
			for _, input := range awsKeyOutputs {
				assert.NotContains(t, s.With, input, "%s: %s is given a static key", key, s.Uses)
			}
			assumed[s.ID] = s.ID != ""
			// Later Databricks steps (the CLI, the Unity Catalog set-up, the wheel's build) run
			// third-party code: keep the role's credentials out of the job's environment.
			if slices.ContainsFunc(job.Steps, func(s step) bool { return databricksCommand.MatchString(s.Run) }) {
				assert.Equal(t, false, s.With["output-env-credentials"], "%s: the Databricks steps would see the AWS credentials", key)
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

// TestBundleDeployFollowsCdkDeploy: deploy.yml's deploy job deploys the environment's bundle
// target after its stacks, with the Databricks CLI authenticated by OIDC.
func TestBundleDeployFollowsCdkDeploy(t *testing.T) {
	job := readWorkflow(t, "deploy.yml").Jobs["deploy"]
	assert.Equal(t, "github-oidc", job.Env["DATABRICKS_AUTH_TYPE"])
	stacks, cli, deployed, restarted := -1, -1, -1, -1
	for i, s := range job.Steps {
		switch {
		case strings.Contains(s.Run, "cdk deploy"):
			stacks = i
		case strings.HasPrefix(s.Uses, "databricks/setup-cli@"):
			cli = i
		case strings.Contains(s.Run, `databricks bundle deploy -t "$TARGET"`):
			deployed = i
		// A continuous job runs its old wheel until its run starts again: only where it exists.
		case strings.Contains(s.Run, `databricks bundle run -t "$TARGET" --restart --no-wait speed_layer`) &&
			strings.Contains(s.If, "env.SPEED_LAYER == 'true'"):
			restarted = i
		}
	}
	require.True(t, stacks >= 0 && cli >= 0 && deployed >= 0 && restarted >= 0, "cdk deploy %d, CLI %d, bundle deploy %d, restart %d", stacks, cli, deployed, restarted)
	assert.Less(t, stacks, cli, "the stacks first: the clusters' instance profile and silver's tables exist before the jobs")
	assert.Less(t, cli, deployed)
	assert.Less(t, deployed, restarted)
}

// TestUnityCatalogSetUpBeforeTheBundle: where the target has Unity Catalog, the deploy job runs
// the set-up on the outputs file its cdk deploy wrote, before it deploys the jobs whose clusters
// need the external locations, and keeps that file as the cdk-outputs artifact.
func TestUnityCatalogSetUpBeforeTheBundle(t *testing.T) {
	job := readWorkflow(t, "deploy.yml").Jobs["deploy"]
	written, uploaded, setUp, deployed := -1, -1, -1, -1
	for i, s := range job.Steps {
		if strings.Contains(s.Run, "cdk deploy") && strings.Contains(s.Run, "--outputs-file cdk-outputs.json") {
			written = i
		}
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["name"] == "cdk-outputs" && s.With["path"] == "cdk-outputs.json" {
			uploaded = i
		}
		if strings.Contains(s.Run, "unity-catalog-setup --plan") {
			setUp = i
			assert.Contains(t, s.Run, "--outputs cdk-outputs.json", "the set-up reads the file cdk deploy wrote")
			assert.Contains(t, s.Run, `go run ./cmd/unitycatalog -env "$ENVIRONMENT"`)
			assert.Contains(t, s.If, "env.UNITY_CATALOG == 'true'")
		}
		if strings.Contains(s.Run, `databricks bundle deploy -t "$TARGET"`) {
			deployed = i
		}
	}
	require.True(t, written >= 0 && uploaded >= 0 && setUp >= 0 && deployed >= 0, "outputs %d, upload %d, set-up %d, deploy %d", written, uploaded, setUp, deployed)
	assert.Less(t, written, uploaded)
	assert.Less(t, written, setUp)
	assert.Less(t, setUp, deployed, "the external locations exist before the jobs that read through them")
}

// TestOneApprovalPerDeploy: "Jobs that reference an environment configured with required
// reviewers will wait for an approval before starting"
// (https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/reviewing-deployments,
// and "Required reviewers" in .../managing-environments-for-deployment#required-reviewers). So
// a run asks production's reviewers once per job that declares the environment: no two jobs of
// a workflow may declare the same one. deploy.yml's one job then deploys the stacks and the
// bundle, in the GitHub environment it deploys, whose subject is the one the AWS deploy role
// trusts (TestGitHubRolesTrustExactlyOneSubject) and the Databricks policy names
// (TestDatabricksTokenAudienceIsThePolicys).
func TestOneApprovalPerDeploy(t *testing.T) {
	for _, name := range workflowNames(t) {
		declared := map[string]string{}
		for jobName, job := range readWorkflow(t, name).Jobs {
			if job.Environment == nil {
				continue
			}
			environment := fmt.Sprint(job.Environment)
			if other, ok := declared[environment]; ok {
				t.Errorf("%s: jobs %s and %s both declare environment %s: a protected one asks its reviewers twice", name, other, jobName, environment)
			}
			declared[environment] = jobName
		}
	}
	deploy := readWorkflow(t, "deploy.yml")
	job := deploy.Jobs["deploy"]
	assert.Equal(t, "${{ needs.target.outputs.environment }}", job.Environment)
	var stacks, bundle bool
	for _, s := range job.Steps {
		stacks = stacks || strings.Contains(s.Run, "cdk deploy")
		bundle = bundle || strings.Contains(s.Run, "databricks bundle deploy")
	}
	assert.True(t, stacks && bundle, "the job that declares the environment deploys both the stacks and the bundle")
	// The target job names the GitHub environment after config's environment: its subject is
	// repo:<owner>/<repo>:environment:<config name>.
	choose := deploy.Jobs["target"].Steps[0].Run
	for _, e := range config.All() {
		assert.Contains(t, choose, "environment="+e.Name+" ;;", "deploy.yml never deploys %s", e.Name)
	}
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

// federationPolicy is a Databricks service principal federation policy, as the docs give it to
// `databricks account service-principal-federation-policy create`.
type federationPolicy struct {
	OIDCPolicy struct {
		Issuer    string   `json:"issuer"`
		Audiences []string `json:"audiences"`
		Subject   string   `json:"subject"`
	} `json:"oidc_policy"`
}

// documentedPolicy matches each policy the docs tell an account admin to create.
var documentedPolicy = regexp.MustCompile(`service-principal-federation-policy create \S+ --json '([^']*)'`)

// documentedPolicies are the federation policies of docs/ and README.md, with their
// placeholders filled in for environment e from config: <owner>, <repo>, <env> and
// <databricks.accountId>.
func documentedPolicies(t *testing.T, e config.Environment) map[string]federationPolicy {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	require.NoError(t, err)
	fill := strings.NewReplacer("<owner>", e.GitHub.Owner, "<repo>", e.GitHub.Repository, "<env>", e.Name,
		"<databricks.accountId>", e.Databricks.AccountID)
	policies := map[string]federationPolicy{}
	for _, f := range append(files, filepath.Join("..", "README.md")) {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, m := range documentedPolicy.FindAllStringSubmatch(string(raw), -1) {
			var p federationPolicy
			require.NoError(t, json.Unmarshal([]byte(fill.Replace(m[1])), &p), "%s: policy %d", f, i)
			policies[fmt.Sprintf("%s#%d", filepath.Base(f), i)] = p
		}
	}
	return policies
}

// databricksCommand is a shell line that runs the Databricks CLI or the Unity Catalog set-up,
// which authenticate with the Databricks SDK.
var databricksCommand = regexp.MustCompile(`(?m)^\s*(databricks\s|unitycatalog/\.venv/bin/unity-catalog-setup\s)`)

// TestDatabricksTokenAudienceIsThePolicys: the documented federation policies name their
// audience, and every workflow job that authenticates to Databricks asks GitHub for a token
// with exactly that audience.
//
// Databricks, "Enable workload identity federation for GitHub Actions"
// (https://docs.databricks.com/aws/en/dev-tools/auth/provider-github): "audiences: ... you can
// omit this field and the Databricks account ID is used instead". The CLI that
// databricks/setup-cli@v0.281.0 installs embeds databricks-sdk-go v0.94.0, whose GitHub OIDC
// token source asks for DATABRICKS_TOKEN_AUDIENCE (config.go: `TokenAudience ...
// env:"DATABRICKS_TOKEN_AUDIENCE"`) and otherwise "For Databricks Workspaces, the auth endpoint
// is the default audience" (config/experimental/auth/oidc/tokensource.go, determineAudience),
// which a policy for the account ID refuses. So the policies list the audience explicitly and
// each job sets DATABRICKS_TOKEN_AUDIENCE to it.
func TestDatabricksTokenAudienceIsThePolicys(t *testing.T) {
	audiences := map[string]string{}
	for _, e := range config.All() {
		if !e.Databricks.Enabled {
			continue
		}
		policies := documentedPolicies(t, e)
		require.NotEmpty(t, policies, "the docs give no federation policy")
		deployPolicy := false
		for where, p := range policies {
			assert.Equal(t, "https://"+config.GitHubOIDCIssuer, p.OIDCPolicy.Issuer, where)
			assert.Equal(t, []string{e.DatabricksTokenAudience()}, p.OIDCPolicy.Audiences, "%s: explicit audiences, for %s", where, e.Name)
			assert.Contains(t, []string{e.GitHub.EnvironmentSubject(e.Name), e.GitHub.PullRequestSubject()}, p.OIDCPolicy.Subject, where)
			deployPolicy = deployPolicy || p.OIDCPolicy.Subject == e.GitHub.EnvironmentSubject(e.Name)
		}
		assert.True(t, deployPolicy, "no documented policy trusts deploy.yml's subject in %s", e.Name)
		audiences[e.Name] = e.DatabricksTokenAudience()
	}
	require.NotEmpty(t, audiences, "no environment has Databricks on")

	var checked []string
	for _, name := range workflowNames(t) {
		for jobName, job := range readWorkflow(t, name).Jobs {
			first := slices.IndexFunc(job.Steps, func(s step) bool { return databricksCommand.MatchString(s.Run) })
			if first < 0 {
				continue
			}
			key := name + "/" + jobName
			checked = append(checked, key)
			assert.Equal(t, "github-oidc", job.Env["DATABRICKS_AUTH_TYPE"], key)
			// The audience comes from config through cmd/bundle, never from the YAML.
			assert.NotContains(t, job.Env, "DATABRICKS_TOKEN_AUDIENCE", key)
			for _, s := range job.Steps {
				assert.NotContains(t, s.Env, "DATABRICKS_TOKEN_AUDIENCE", key)
				assert.NotContains(t, s.Env, "DATABRICKS_AUTH_TYPE", key)
			}
			for _, settings := range jobSettings(t, key, job, first) {
				target := settings["TARGET"]
				require.Contains(t, audiences, target, "%s deploys %q", key, target)
				assert.Equal(t, audiences[target], settings["DATABRICKS_TOKEN_AUDIENCE"],
					"%s: the token audience for %s is not the one its federation policy lists", key, target)
			}
		}
	}
	assert.Contains(t, checked, "deploy.yml/deploy")
	t.Logf("checked the token audience of %d jobs: %v", len(checked), checked)
}

// jobSettings runs the steps of job before step first that write config's settings (go run
// ./cmd/bundle) into $GITHUB_ENV, as the runner runs them (bash -eo pipefail, from the
// repository's root), once per environment of config, and returns what each run wrote there,
// where it wrote anything. Each ${{ }} expression of the job's and the steps' env stands for
// that environment's name.
func jobSettings(t *testing.T, key string, job job, first int) []map[string]string {
	t.Helper()
	var loaders []step
	// Only the steps that load config's settings (go run ./cmd/bundle) into $GITHUB_ENV run here:
	// the test runs no other shell of the workflows.
	for _, s := range job.Steps[:first] {
		if strings.Contains(s.Run, "GITHUB_ENV") && strings.Contains(s.Run, "go run ./cmd/bundle") {
			loaders = append(loaders, s)
		}
	}
	require.NotEmpty(t, loaders, "%s sets no Databricks settings before it runs Databricks", key)
	var all []map[string]string
	for _, e := range config.All() {
		dir := t.TempDir()
		githubEnv := filepath.Join(dir, "env")
		for _, s := range loaders {
			cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "GITHUB_ENV="+githubEnv, "GITHUB_OUTPUT="+filepath.Join(dir, "output"), "RUNNER_TEMP="+dir)
			for _, vars := range []map[string]string{job.Env, s.Env} {
				for k, v := range vars {
					if strings.Contains(v, "${{") {
						v = e.Name
					}
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s for %s: %s", key, e.Name, out)
		}
		raw, err := os.ReadFile(githubEnv)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		settings := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			k, v, _ := strings.Cut(line, "=")
			settings[k] = v
		}
		all = append(all, settings)
	}
	require.NotEmpty(t, all, "%s: no environment's settings", key)
	return all
}
