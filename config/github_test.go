package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInvalidGitHub(t *testing.T) {
	const ownerRule = "must be a GitHub user or organization: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen"
	const repoRule = "must be a GitHub repository name: 1-100 letters, digits, '.', '_' or '-', and not only dots"
	assertInvalid(t, staging, []invalid{
		{"owner empty", func(e *Environment) { e.GitHub.Owner = "" },
			[]string{`staging: gitHub.owner "": ` + ownerRule}},
		{"owner too long", func(e *Environment) { e.GitHub.Owner = strings.Repeat("a", 40) },
			[]string{`staging: gitHub.owner "` + strings.Repeat("a", 40) + `": ` + ownerRule}},
		{"owner leading hyphen", func(e *Environment) { e.GitHub.Owner = "-org" },
			[]string{`staging: gitHub.owner "-org": ` + ownerRule}},
		{"owner double hyphen", func(e *Environment) { e.GitHub.Owner = "my--org" },
			[]string{`staging: gitHub.owner "my--org": ` + ownerRule}},
		{"owner wildcard", func(e *Environment) { e.GitHub.Owner = "*" },
			[]string{`staging: gitHub.owner "*": ` + ownerRule}},
		{"owner with slash", func(e *Environment) { e.GitHub.Owner = "org/repo" },
			[]string{`staging: gitHub.owner "org/repo": ` + ownerRule}},
		{"repository empty", func(e *Environment) { e.GitHub.Repository = "" },
			[]string{`staging: gitHub.repository "": ` + repoRule}},
		{"repository too long", func(e *Environment) { e.GitHub.Repository = strings.Repeat("r", 101) },
			[]string{`staging: gitHub.repository "` + strings.Repeat("r", 101) + `": ` + repoRule}},
		{"repository wildcard", func(e *Environment) { e.GitHub.Repository = "data*" },
			[]string{`staging: gitHub.repository "data*": ` + repoRule}},
		{"repository only dots", func(e *Environment) { e.GitHub.Repository = ".." },
			[]string{`staging: gitHub.repository "..": ` + repoRule}},
		{"both wrong", func(e *Environment) { e.GitHub = GitHub{Owner: "a_b", Repository: "x y"} },
			[]string{`staging: gitHub.owner "a_b": ` + ownerRule, `staging: gitHub.repository "x y": ` + repoRule}},
	})
	// Any pull request could read a protected environment through an unreviewed diff role.
	assertInvalid(t, production, []invalid{
		{"protected environment with unreviewed diffs", func(e *Environment) { e.GitHub.ReviewedDiffs = false },
			[]string{`production: gitHub.reviewedDiffs false: must be true where terminationProtection is on: a protected environment is read only by reviewed diffs`}},
	})
}

func TestDiffSubject(t *testing.T) {
	e := production()
	assert.Equal(t, "repo:example-org/dataplatform:environment:production-diff", e.DiffSubject())
	e.GitHub.ReviewedDiffs = false
	assert.Equal(t, "repo:example-org/dataplatform:pull_request", e.DiffSubject())
}

func TestValidGitHubNames(t *testing.T) {
	for _, g := range []GitHub{
		{Owner: "a", Repository: "b"},
		{Owner: strings.Repeat("a", 39), Repository: strings.Repeat("r", 100)},
		{Owner: "My-Org-2", Repository: "data.platform_v2-x"},
		{Owner: "org", Repository: ".github"},
	} {
		env := staging()
		env.GitHub = g
		assert.NoError(t, Validate(env), "%+v", g)
	}
}

func TestGitHubSubjects(t *testing.T) {
	g := GitHub{Owner: "Example-Org", Repository: "data.platform"}
	assert.Equal(t, "repo:Example-Org/data.platform:environment:staging", g.EnvironmentSubject("staging"))
	assert.Equal(t, "repo:Example-Org/data.platform:pull_request", g.PullRequestSubject())
	assert.Equal(t, "dataplatform-staging-github-deploy", staging().GitHubRoleName(GitHubDeployRole))
}
