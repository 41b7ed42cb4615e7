package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/internal/budget"

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
	If             string
	TimeoutMinutes int `yaml:"timeout-minutes"`
	Strategy       struct{ Matrix map[string]any }
	Needs          any
	Uses           string
	Environment    any
	Permissions    any
	Concurrency    any
	Env            map[string]string
	Steps          []step
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

// ciArtifact is the name under which ci.yml uploads its assembly, its one artifact.
func ciArtifact(t *testing.T) string {
	t.Helper()
	var names []string
	for _, job := range readWorkflow(t, "ci.yml").Jobs {
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
				names = append(names, s.With["name"].(string))
			}
		}
	}
	require.Len(t, names, 1, "ci.yml uploads one artifact, the assembly")
	return names[0]
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

// TestCIUsesTheLockedPython: the uv locks are made for the Python of .python-version; each
// ci.yml job whose make targets install a Python project sets up Python from the same file,
// before it runs make, so the two cannot drift.
func TestCIUsesTheLockedPython(t *testing.T) {
	mk := readMakefile(t)
	checked := 0
	for name, job := range readWorkflow(t, "ci.yml").Jobs {
		locks := mk.lockFiles(jobMakeTargets(job)...)
		if !slices.ContainsFunc(locks, func(l string) bool { return strings.HasSuffix(l, "/uv.lock") }) {
			continue
		}
		checked++
		setUp := slices.IndexFunc(job.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/setup-python@") })
		if !assert.GreaterOrEqual(t, setUp, 0, "ci.yml job %s installs %v but sets up no Python", name, locks) {
			continue
		}
		s := job.Steps[setUp]
		assert.Equal(t, ".python-version", s.With["python-version-file"], name)
		assert.NotContains(t, s.With, "python-version", name)
		assert.Less(t, setUp, slices.IndexFunc(job.Steps, func(s step) bool { return len(makeCommands(s.Run)) > 0 }), "%s: Python before make", name)
	}
	assert.Positive(t, checked, "no ci.yml job installs a Python project")
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

// makeCommand is a make command in a step's shell, and its arguments.
var makeCommand = regexp.MustCompile(`(?m)(?:^|[;&|(])\s*make((?:[ \t]+[^\s;&|#>]+)+)`)

// makeCommands are the goals of each make command in a step's shell.
func makeCommands(run string) [][]string {
	var commands [][]string
	for _, m := range makeCommand.FindAllStringSubmatch(run, -1) {
		commands = append(commands, makeGoals(m[1]))
	}
	return commands
}

// jobMakeTargets are the make goals a job's steps run.
func jobMakeTargets(job job) []string {
	var targets []string
	for _, s := range job.Steps {
		for _, goals := range makeCommands(s.Run) {
			targets = append(targets, goals...)
		}
	}
	return targets
}

// setupTargets install and test nothing: the guard job's `make deps` installs the base
// branch's CDK CLI and Go modules in its worktree, so that the base synthesizes with its own.
var setupTargets = map[string]bool{"deps": true}

// TestCIWorkflowRunsEverySuite: the Makefile's SUITES is the one list of suites. ci.yml runs
// each in exactly one job, each job runs one suite at most, and no job runs a make target that
// is not on the list; `make test` runs TEST_SUITES, which are on it.
func TestCIWorkflowRunsEverySuite(t *testing.T) {
	mk := readMakefile(t)
	suites := mk.list(t, "SUITES")
	require.GreaterOrEqual(t, len(suites), 6, "the Makefile's SUITES: %v", suites)
	problems := suiteCoverage(suites, readWorkflow(t, "ci.yml").Jobs)
	assert.Empty(t, problems, "ci.yml against the Makefile's SUITES %v:\n%s", suites, strings.Join(problems, "\n"))

	tested := mk.closure("test")
	for _, suite := range suites {
		assert.True(t, mk.isRule(suite), "SUITES names %s, which is not a rule of the Makefile", suite)
	}
	for _, suite := range mk.list(t, "TEST_SUITES") {
		assert.Contains(t, suites, suite, "make test runs a suite that is not in SUITES")
		assert.Contains(t, tested, suite, "make test does not run %s of TEST_SUITES", suite)
	}
	t.Logf("suites, each in one ci.yml job: %v", suites)
}

// suiteCoverage is each way jobs break the rule that each suite runs in exactly one job, one
// suite a job, and nothing else.
func suiteCoverage(suites []string, jobs map[string]job) []string {
	var problems []string
	runBy := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(jobs)) {
		var runs []string
		for _, target := range jobMakeTargets(jobs[name]) {
			switch {
			case setupTargets[target]:
			case slices.Contains(suites, target):
				runs = append(runs, target)
				runBy[target] = append(runBy[target], name)
			default:
				problems = append(problems, fmt.Sprintf("job %s runs make %s, which is not in the Makefile's SUITES", name, target))
			}
		}
		if len(runs) > 1 {
			problems = append(problems, fmt.Sprintf("job %s runs %v: one suite a job, so they run side by side", name, runs))
		}
	}
	for _, suite := range suites {
		if len(runBy[suite]) != 1 {
			problems = append(problems, fmt.Sprintf("suite %s runs in jobs %v: it must run in exactly one", suite, runBy[suite]))
		}
	}
	return problems
}

// jobSetup is what a suite's job may spend before and after its suite: the checkout, the
// toolchains, the caches and the installs (one to two minutes in docs/cicd.md's estimates), and
// an upload, with room.
const jobSetup = 5 * 60

// TestSuiteJobTimeoutsFollowTheBudgets: each ci.yml job that runs a suite is given
// timeout-minutes from docs/testing.md's budgets: at least the timeouts of every timed rule the
// suite's make runs (.ci/suite: twice the budget, and its KILL 30 s later; the pipeline's
// before the DAG tests', say) and the set-up, so that a hung suite fails by its own timeout,
// which names it, and not by the job's; at most ten minutes more, so that a hung set-up is not
// waited on for long.
func TestSuiteJobTimeoutsFollowTheBudgets(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "testing.md"))
	require.NoError(t, err)
	budgets, err := budget.ParseTable(string(doc))
	require.NoError(t, err)
	mk := readMakefile(t)
	timed := map[string][]string{}
	for _, suite := range mk.list(t, "SUITES") {
		for _, target := range mk.closure(suite) {
			timed[suite] = append(timed[suite], mk.timedAs(target)...)
		}
	}
	problems := jobTimeoutProblems(readWorkflow(t, "ci.yml").Jobs, timed, budgets)
	assert.Empty(t, problems, "ci.yml's timeout-minutes against docs/testing.md's budgets:\n%s", strings.Join(problems, "\n"))
}

// jobTimeoutProblems names each job that runs a suite (a key of timed, whose values are the
// timed rules the suite's make runs) whose timeout-minutes is not within [those rules'
// timeouts and the set-up, ten minutes more].
func jobTimeoutProblems(jobs map[string]job, timed map[string][]string, budgets []budget.Budget) []string {
	seconds := map[string]int{}
	for _, b := range budgets {
		seconds[b.Part] = b.Seconds
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(jobs)) {
		for _, target := range jobMakeTargets(jobs[name]) {
			parts, ok := timed[target]
			if !ok {
				continue
			}
			least, budgeted := jobSetup, true
			for _, part := range parts {
				b, ok := seconds[part]
				if !ok {
					problems = append(problems, fmt.Sprintf("job %s runs %s, which has no budget", name, part))
					budgeted = false
				}
				least += 2*b + 30
			}
			if !budgeted {
				continue
			}
			minutes := (least + 59) / 60
			if got := jobs[name].TimeoutMinutes; got < minutes || got > minutes+10 {
				problems = append(problems, fmt.Sprintf("job %s: timeout-minutes %d, want %d to %d: the timeouts of %v (twice each budget, and 30 s for the KILL) and %d s of set-up",
					name, got, minutes, minutes+10, parts, jobSetup))
			}
		}
	}
	return problems
}

// TestJobTimeoutProblemsFindsEachGap proves the check can fail: a job's timeout shorter than
// its suite's, one far longer, none at all, and a suite without a budget; a suite that runs
// another timed rule first counts both.
func TestJobTimeoutProblemsFindsEachGap(t *testing.T) {
	run := func(cmd string, minutes int) job { return job{TimeoutMinutes: minutes, Steps: []step{{Run: cmd}}} }
	jobs := map[string]job{
		"a": run("make lint", 10), "b": run("make unit", 7), "c": run("make jobs-test", 30),
		"d": run("make dag-test", 0), "e": run("make uc-test", 20), "f": run("make deps", 1),
		"g": run("make warehouse-test", 12),
	}
	timed := map[string][]string{
		"lint": {"lint"}, "unit": {"unit"}, "jobs-test": {"jobs-test"}, "dag-test": {"dag-test"},
		"uc-test": {"uc-test"}, "warehouse-test": {"pipeline", "warehouse-test"},
	}
	budgets := []budget.Budget{
		{Part: "lint", Seconds: 120}, {Part: "unit", Seconds: 120}, {Part: "jobs-test", Seconds: 300},
		{Part: "dag-test", Seconds: 60}, {Part: "pipeline", Seconds: 100}, {Part: "warehouse-test", Seconds: 60},
	}
	// lint: 240 + 30 + 300 = 570 s, 10 minutes: within. warehouse-test: 230 + 150 + 300 = 680 s.
	assert.Equal(t, []string{
		"job b: timeout-minutes 7, want 10 to 20: the timeouts of [unit] (twice each budget, and 30 s for the KILL) and 300 s of set-up",
		"job c: timeout-minutes 30, want 16 to 26: the timeouts of [jobs-test] (twice each budget, and 30 s for the KILL) and 300 s of set-up",
		"job d: timeout-minutes 0, want 8 to 18: the timeouts of [dag-test] (twice each budget, and 30 s for the KILL) and 300 s of set-up",
		"job e runs uc-test, which has no budget",
	}, jobTimeoutProblems(jobs, timed, budgets))
	jobs["g"] = run("make warehouse-test", 11)
	assert.Equal(t, []string{
		"job g: timeout-minutes 11, want 12 to 22: the timeouts of [pipeline warehouse-test] (twice each budget, and 30 s for the KILL) and 300 s of set-up",
	}, jobTimeoutProblems(map[string]job{"g": jobs["g"]}, timed, budgets))
}

// TestSuiteCoverageReportsEveryBreak proves suiteCoverage can fail: a suite in no job, one in
// two, a job with two suites, and a job running a target that is not a suite.
func TestSuiteCoverageReportsEveryBreak(t *testing.T) {
	run := func(cmd string) job { return job{Steps: []step{{Run: cmd}}} }
	jobs := map[string]job{
		"a": run("make lint"), "b": run("make unit jobs-test"), "c": run("cd x && make deps\nmake lint"),
		"d": run("make --no-print-directory bench ENV=staging"),
	}
	assert.Equal(t, []string{
		"job b runs [unit jobs-test]: one suite a job, so they run side by side",
		"job d runs make bench, which is not in the Makefile's SUITES",
		"suite lint runs in jobs [a c]: it must run in exactly one",
		"suite dag-test runs in jobs []: it must run in exactly one",
	}, suiteCoverage([]string{"lint", "unit", "jobs-test", "dag-test"}, jobs))
}

// cacheKey is an actions/cache key as ci.yml writes them: what, whose (the job), the runner's
// OS, and the hash of the lock files that fix the content.
var cacheKey = regexp.MustCompile(`^([a-z]+)-([a-z-]+)-\$\{\{ runner\.os \}\}-\$\{\{ hashFiles\(((?:'[^']+'(?:, )?)+)\) \}\}$`)

// TestCIWorkflowCachesArePerJob: "You cannot change the contents of an existing cache.
// Instead, you can create a new cache with a new key."
// (https://docs.github.com/en/actions/reference/workflows-and-actions/dependency-caching). A
// key that several jobs share is saved by the first of them to finish, with what that job
// installed. So every actions/cache key of ci.yml names its own job, and hashes only lock files
// of what that job's make targets install (the Makefile's prerequisites, followed); the uv
// cache hashes all of that job's uv.lock files. setup-go's key is
// `setup-go-${platform}-${arch}-${linuxVersion}go-${versionSpec}-${fileHash}`
// (actions/setup-go, src/cache-restore.ts), without a job, so its cache is off (input `cache`,
// default true); setup-node's and setup-python's are off too (no `cache` input, and
// setup-node's `package-manager-cache: false`).
func TestCIWorkflowCachesArePerJob(t *testing.T) {
	mk := readMakefile(t)
	jobs := readWorkflow(t, "ci.yml").Jobs
	caches := 0
	for _, name := range slices.Sorted(maps.Keys(jobs)) {
		for _, problem := range cacheProblems(mk, name, jobs[name]) {
			t.Error(problem)
		}
		for _, s := range jobs[name].Steps {
			if strings.HasPrefix(s.Uses, "actions/cache@") {
				caches++
			}
		}
	}
	t.Logf("checked %d caches", caches)
	assert.Positive(t, caches)
}

// cacheProblems is what is wrong with the caches of one job.
func cacheProblems(mk makefile, name string, job job) []string {
	var problems []string
	locks := mk.lockFiles(jobMakeTargets(job)...)
	var uvLocks []string
	for _, l := range locks {
		if strings.HasSuffix(l, "/uv.lock") {
			uvLocks = append(uvLocks, l)
		}
	}
	cached := map[string]bool{}
	for _, s := range job.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			if s.With["cache"] != false {
				problems = append(problems, fmt.Sprintf("%s: setup-go's cache is on, under a key no job names", name))
			}
		case strings.HasPrefix(s.Uses, "actions/setup-node@"):
			if _, on := s.With["cache"]; on || s.With["package-manager-cache"] != false {
				problems = append(problems, fmt.Sprintf("%s: setup-node's cache is on, under a key no job names", name))
			}
		case strings.HasPrefix(s.Uses, "actions/setup-python@"):
			if _, on := s.With["cache"]; on {
				problems = append(problems, fmt.Sprintf("%s: setup-python's cache is on, under a key no job names", name))
			}
		case strings.HasPrefix(s.Uses, "actions/cache@"):
			key, _ := s.With["key"].(string)
			raw, _ := s.With["path"].(string)
			path := strings.Join(strings.Fields(raw), " ")
			m := cacheKey.FindStringSubmatch(key)
			if m == nil || m[2] != name {
				problems = append(problems, fmt.Sprintf("%s: cache %s has key %q: want <what>-%s-${{ runner.os }}-${{ hashFiles(<its lock files>) }}", name, path, key, name))
				continue
			}
			if restore, ok := s.With["restore-keys"]; ok && restore != m[1]+"-"+name+"-${{ runner.os }}-" {
				problems = append(problems, fmt.Sprintf("%s: cache %s restores %q, not its own job's", name, path, restore))
			}
			hashed := strings.Split(strings.NewReplacer("'", "", " ", "").Replace(m[3]), ",")
			for _, f := range hashed {
				if !slices.Contains(locks, f) {
					problems = append(problems, fmt.Sprintf("%s: cache %s hashes %s, which is not a lock file of what the job installs %v", name, path, f, locks))
				}
			}
			if path == "~/.cache/uv" && !slices.Equal(slices.Sorted(slices.Values(hashed)), uvLocks) {
				problems = append(problems, fmt.Sprintf("%s: uv's cache hashes %v, the job installs from %v", name, hashed, uvLocks))
			}
			cached[m[1]] = true
		}
	}
	if len(uvLocks) > 0 && !cached["uv"] {
		problems = append(problems, fmt.Sprintf("%s installs %v without a uv cache", name, uvLocks))
	}
	if slices.Contains(locks, "go.sum") && !cached["go"] {
		problems = append(problems, fmt.Sprintf("%s builds Go without a Go cache", name))
	}
	if slices.Contains(locks, "go.sum") && !slices.ContainsFunc(job.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/setup-go@") }) {
		problems = append(problems, fmt.Sprintf("%s builds Go without setting up go.mod's Go", name))
	}
	return problems
}

// TestCacheProblemsReportsEveryBreak proves cacheProblems can fail: a key without the job, one
// that hashes another job's lock, a uv cache missing one of the job's locks, a shared restore
// key, and the setup actions' own caches on.
func TestCacheProblemsReportsEveryBreak(t *testing.T) {
	mk := readMakefile(t)
	cache := func(path, key, restore string) step {
		with := map[string]any{"path": path, "key": key}
		if restore != "" {
			with["restore-keys"] = restore
		}
		return step{Uses: "actions/cache@v5", With: with}
	}
	job := job{Steps: []step{
		{Uses: "actions/setup-go@v6", With: map[string]any{"go-version-file": "go.mod"}},
		{Uses: "actions/setup-node@v5", With: map[string]any{"cache": "npm"}},
		cache("~/go/pkg/mod", "go-${{ runner.os }}-${{ hashFiles('go.sum') }}", ""),
		cache("~/.npm", "npm-unit-${{ runner.os }}-${{ hashFiles('package-lock.json', 'dags/uv.lock') }}", "npm-"),
		cache("~/.cache/uv", "uv-unit-${{ runner.os }}-${{ hashFiles('tools/uv.lock', 'jobs/uv.lock') }}", ""),
		{Run: "make unit"},
	}}
	assert.Equal(t, []string{
		"unit: setup-go's cache is on, under a key no job names",
		"unit: setup-node's cache is on, under a key no job names",
		"unit: cache ~/go/pkg/mod has key \"go-${{ runner.os }}-${{ hashFiles('go.sum') }}\": want <what>-unit-${{ runner.os }}-${{ hashFiles(<its lock files>) }}",
		"unit: cache ~/.npm restores \"npm-\", not its own job's",
		"unit: cache ~/.npm hashes dags/uv.lock, which is not a lock file of what the job installs [go.sum jobs/uv.lock package-lock.json tools/uv.lock warehouse/uv.lock]",
		"unit: uv's cache hashes [tools/uv.lock jobs/uv.lock], the job installs from [jobs/uv.lock tools/uv.lock warehouse/uv.lock]",
		"unit builds Go without a Go cache",
	}, cacheProblems(mk, "unit", job))
	job.Steps = job.Steps[1:]
	assert.Contains(t, cacheProblems(mk, "unit", job), "unit builds Go without setting up go.mod's Go")
}

// TestCIWorkflowCheckoutHistory: the Go suite's guard test (BASE=git:main) and the PR guard's
// base synth (origin/<base>) read other commits than the one checked out. actions/checkout's
// "fetch-depth: Number of commits to fetch. 0 indicates all history for all branches and tags.
// Default: 1" (https://github.com/actions/checkout, action.yml): those jobs fetch everything.
func TestCIWorkflowCheckoutHistory(t *testing.T) {
	needHistory := 0
	for name, job := range readWorkflow(t, "ci.yml").Jobs {
		targets := jobMakeTargets(job)
		reads := slices.Contains(targets, "unit") || slices.ContainsFunc(job.Steps, func(s step) bool { return strings.Contains(s.Run, "origin/") })
		if !reads {
			continue
		}
		needHistory++
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				assert.Equal(t, 0, s.With["fetch-depth"], "%s reads another commit's files: fetch-depth: 0", name)
			}
		}
	}
	assert.Equal(t, 2, needHistory, "the unit job and the guard job")
}

// TestCIWorkflowUploadsTheRehearsedAssembly: the artifact deploy.yml deploys is the cdk.out
// that `make rehearse-all` synthesized and rehearsed, uploaded by that job with nothing run in
// between; the PR guard compares that same artifact with the base branch and synthesizes only
// the base, outside the workspace.
func TestCIWorkflowUploadsTheRehearsedAssembly(t *testing.T) {
	ci := readWorkflow(t, "ci.yml")
	artifact := ciArtifact(t)
	var producer string
	for name, job := range ci.Jobs {
		rehearsed := slices.IndexFunc(job.Steps, func(s step) bool {
			return slices.ContainsFunc(makeCommands(s.Run), func(goals []string) bool { return slices.Contains(goals, "rehearse-all") })
		})
		uploaded := slices.IndexFunc(job.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
		if uploaded < 0 {
			continue
		}
		producer = name
		require.GreaterOrEqual(t, rehearsed, 0, "%s uploads %s without rehearsing it", name, artifact)
		require.Less(t, rehearsed, uploaded, name)
		assert.Equal(t, "cdk.out", job.Steps[uploaded].With["path"])
		for _, s := range job.Steps[rehearsed+1 : uploaded] {
			assert.NotRegexp(t, `\b(make|cdk|go)\s`, s.Run, "%s: nothing may rewrite cdk.out between the rehearsal and its upload", name)
		}
	}
	require.NotEmpty(t, producer)

	var guarded bool
	for name, job := range ci.Jobs {
		guard := slices.IndexFunc(job.Steps, func(s step) bool { return strings.Contains(s.Run, "go run ./cmd/guard") })
		if guard < 0 {
			continue
		}
		guarded = true
		assert.Contains(t, job.Steps[guard].Run, "-head cdk.out", name)
		assert.Equal(t, producer, job.Needs, "%s compares %s's artifact: it needs that job", name, producer)
		downloaded := slices.IndexFunc(job.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/download-artifact@") })
		require.GreaterOrEqual(t, downloaded, 0, "%s downloads no assembly", name)
		assert.Less(t, downloaded, guard)
		assert.Equal(t, map[string]any{"name": artifact, "path": "cdk.out"}, job.Steps[downloaded].With)
		for _, s := range job.Steps {
			if strings.Contains(s.Run, "cdk synth") {
				assert.Contains(t, s.Run, `--output "$RUNNER_TEMP/`, "%s synthesizes the base only, outside cdk.out", name)
			}
		}
	}
	assert.True(t, guarded, "ci.yml runs no stateful-resource guard")
}

// TestCIWorkflowConcurrencyGroup: "When a reusable workflow is triggered by a caller workflow,
// the github context is always associated with the caller workflow."
// (https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations).
// So a group built from github.workflow would be named after deploy.yml inside its call. The
// group is built from the event and the ref only: evaluated for deploy.yml's triggers, a manual
// production deploy and a push to main (both refs/heads/main) get different groups, while a
// second push, or a second commit on a pull request, gets the first one's and cancels it.
func TestCIWorkflowConcurrencyGroup(t *testing.T) {
	ci := readWorkflow(t, "ci.yml")
	group, _ := ci.Concurrency["group"].(string)
	assert.NotContains(t, group, "github.workflow")
	assert.Equal(t, true, ci.Concurrency["cancel-in-progress"])
	for name, job := range ci.Jobs {
		assert.Nil(t, job.Concurrency, "%s: a job-level group", name)
	}
	evaluate := func(event, ref string) string {
		g := strings.NewReplacer("${{ github.event_name }}", event, "${{ github.ref }}", ref).Replace(group)
		assert.NotContains(t, g, "${{", "the group reads only the event name and the ref")
		return g
	}
	deploy := readWorkflow(t, "deploy.yml")
	require.Contains(t, deploy.On, "workflow_dispatch")
	require.Contains(t, deploy.On, "push")
	assert.NotEqual(t, evaluate("workflow_dispatch", "refs/heads/main"), evaluate("push", "refs/heads/main"),
		"a manual production deploy and a push to main would cancel each other's tests")
	assert.NotEqual(t, evaluate("push", "refs/heads/develop"), evaluate("push", "refs/heads/main"))
	assert.Equal(t, evaluate("push", "refs/heads/main"), evaluate("push", "refs/heads/main"), "a newer push cancels the older one's tests")
	assert.Equal(t, evaluate("pull_request", "refs/pull/7/merge"), evaluate("pull_request", "refs/pull/7/merge"))
	assert.NotEqual(t, evaluate("pull_request", "refs/pull/7/merge"), evaluate("pull_request", "refs/pull/8/merge"))
}

// TestCIWorkflowGate: ci-ok is the one required check. "If a job in a workflow is skipped due
// to a conditional, it will report its status as "Success"."
// (https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/collaborating-on-repositories-with-code-quality-features/troubleshooting-required-status-checks#handling-skipped-but-required-checks),
// and "If a job fails or is skipped, all jobs that need it are skipped unless the jobs use a
// conditional expression that causes the job to continue" (workflow syntax, jobs.<job_id>.needs).
// So ci-ok needs every other job with `if: always()` ("Causes the step to always execute, and
// returns true, even when canceled", expressions, always), and its script, run here as the
// runner runs it (bash -e) on needs' results ("Possible values are success, failure,
// cancelled, or skipped", contexts, needs.<job_id>.result), fails unless every job succeeded;
// only a job that runs on pull requests alone may be skipped, and only outside them.
func TestCIWorkflowGate(t *testing.T) {
	_, err := exec.LookPath("jq")
	require.NoError(t, err, "ci-ok's script uses jq, as GitHub's runners have it")
	jobs := readWorkflow(t, "ci.yml").Jobs
	gate, ok := jobs["ci-ok"]
	require.True(t, ok, "ci.yml has no ci-ok job")
	assert.Equal(t, "always()", gate.If)
	others := slices.DeleteFunc(slices.Sorted(maps.Keys(jobs)), func(n string) bool { return n == "ci-ok" })
	var needs []string
	for _, n := range list(gate.Needs) {
		needs = append(needs, fmt.Sprint(n))
	}
	assert.ElementsMatch(t, others, needs, "ci-ok needs every other job")
	require.Len(t, gate.Steps, 1)
	script := gate.Steps[0]
	assert.Equal(t, map[string]string{"NEEDS": "${{ toJSON(needs) }}", "PULL_REQUEST": "${{ github.event_name == 'pull_request' }}"}, script.Env)

	pullRequestsOnly := map[string]bool{}
	for _, name := range others {
		pullRequestsOnly[name] = jobs[name].If == "github.event_name == 'pull_request'"
	}
	gateRun := func(results map[string]string, pullRequest bool) (bool, string) {
		needs := map[string]any{}
		for name, result := range results {
			needs[name] = map[string]any{"result": result, "outputs": map[string]any{}}
		}
		raw, err := json.Marshal(needs)
		require.NoError(t, err)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-c", script.Run)
		cmd.Env = append(os.Environ(), "NEEDS="+string(raw), fmt.Sprintf("PULL_REQUEST=%t", pullRequest))
		out, err := cmd.CombinedOutput()
		return err == nil, string(out)
	}
	all := func(result string) map[string]string {
		results := map[string]string{}
		for _, name := range others {
			results[name] = result
		}
		return results
	}
	for _, pullRequest := range []bool{true, false} {
		passed, out := gateRun(all("success"), pullRequest)
		assert.True(t, passed, "every job succeeded (pull request %t): %s", pullRequest, out)
		for _, name := range others {
			for _, result := range []string{"failure", "cancelled", "skipped"} {
				results := all("success")
				results[name] = result
				want := result == "skipped" && !pullRequest && pullRequestsOnly[name]
				passed, out := gateRun(results, pullRequest)
				assert.Equal(t, want, passed, "%s %s (pull request %t): %s", name, result, pullRequest, out)
				if !passed {
					assert.Contains(t, out, name+": "+result, "the failure names the job")
				}
			}
		}
	}
	assert.Contains(t, pullRequestsOnly, "guard")
	assert.True(t, pullRequestsOnly["guard"], "the guard compares with a pull request's base branch")
}
