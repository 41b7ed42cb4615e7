package config

import (
	"fmt"
	"regexp"
	"strings"
)

// GitHub names the repository whose GitHub Actions workflows deploy and diff an environment.
// The account stage trusts exactly this repository: a fork or a renamed repository gets no
// credentials until config says so.
type GitHub struct {
	// Owner is the user or organization that owns the repository, spelled exactly as in its
	// URL: AWS compares the token's subject case-sensitively.
	Owner string
	// Repository is the repository's name, spelled exactly as in its URL.
	Repository string
	// ReviewedDiffs makes every pull-request diff of this environment wait for a reviewer: its
	// diff role trusts only jobs in the GitHub environment <env>-diff (DiffEnvironment), whose
	// required reviewers approve each run, and never the pull_request subject, which any
	// branch, including one that edits the workflow, can present.
	ReviewedDiffs bool
}

// The GitHub OIDC issuer and the audience configure-aws-credentials asks for.
const (
	GitHubOIDCIssuer   = "token.actions.githubusercontent.com"
	GitHubOIDCAudience = "sts.amazonaws.com"
)

// EnvironmentSubject is the OIDC `sub` claim of a job that declares `environment: <name>`.
func (g GitHub) EnvironmentSubject(environment string) string {
	return fmt.Sprintf("repo:%s/%s:environment:%s", g.Owner, g.Repository, environment)
}

// PullRequestSubject is the OIDC `sub` claim of a job triggered by `pull_request`.
func (g GitHub) PullRequestSubject() string {
	return fmt.Sprintf("repo:%s/%s:pull_request", g.Owner, g.Repository)
}

// DatabricksTokenAudience is the audience of the GitHub OIDC tokens that the Databricks CLI and
// SDK exchange for e's workspace, as the deploy and validate service principals; their
// federation policies list it in `audiences` (docs/unity-catalog.md). It is the Databricks
// account ID, which a policy without `audiences` expects ("If omitted, the Databricks account
// ID is used by default": Databricks, "Enable workload identity federation for GitHub
// Actions"). The CLI's Go SDK (v0.94.0 in setup-cli v0.281.0) asks GitHub for the workspace's
// token endpoint instead unless DATABRICKS_TOKEN_AUDIENCE is set, so cmd/bundle gives the
// workflows this value under that name.
func (e Environment) DatabricksTokenAudience() string { return e.Databricks.AccountID }

// DiffEnvironment is the GitHub environment whose reviewers approve diffs of e where
// GitHub.ReviewedDiffs is on: <env>-diff.
func (e Environment) DiffEnvironment() string { return e.Name + "-diff" }

// DiffSubject is the OIDC `sub` claim e's diff role trusts: jobs in DiffEnvironment where
// diffs are reviewed, pull-request jobs elsewhere.
func (e Environment) DiffSubject() string {
	if e.GitHub.ReviewedDiffs {
		return e.GitHub.EnvironmentSubject(e.DiffEnvironment())
	}
	return e.GitHub.PullRequestSubject()
}

var (
	// GitHub user and organization names: letters, digits and single inner hyphens, at most 39.
	githubOwnerPattern = regexp.MustCompile(`^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$`)
	// GitHub repository names: letters, digits, '.', '_' and '-', at most 100.
	githubRepositoryPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// gitHubRules also keep `*` and `?` out of both names, so a trust condition built from them
// can never act as a wildcard.
var gitHubRules = rules[Environment]{
	{Field: "gitHub.owner", Allowed: "must be a GitHub user or organization: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen",
		check: func(f field, e Environment) {
			f.check(len(e.GitHub.Owner) <= 39 && githubOwnerPattern.MatchString(e.GitHub.Owner), e.GitHub.Owner)
		}},
	{Field: "gitHub.repository", Allowed: "must be a GitHub repository name: 1-100 letters, digits, '.', '_' or '-', and not only dots",
		check: func(f field, e Environment) {
			f.check(githubRepositoryPattern.MatchString(e.GitHub.Repository) && strings.Trim(e.GitHub.Repository, ".") != "", e.GitHub.Repository)
		}},
	{Field: "gitHub.reviewedDiffs", Allowed: "must be true where terminationProtection is on: a protected environment is read only by reviewed diffs",
		check: func(f field, e Environment) {
			f.check(e.GitHub.ReviewedDiffs || !e.TerminationProtection, e.GitHub.ReviewedDiffs)
		}},
}
