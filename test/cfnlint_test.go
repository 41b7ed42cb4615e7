package test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCfnLint runs AWS's CloudFormation linter over every synthesized template in one process.
// Rules we ignore are listed, each with its reason, in ../.cfnlintrc.yaml.
func TestCfnLint(t *testing.T) {
	path, err := exec.LookPath("cfn-lint")
	require.NoError(t, err, "cfn-lint is not on PATH: run the tests through make, which installs it into tools/.venv")
	args := []string{"--format", "parseable", "--"}
	for _, stack := range allStacks() {
		args = append(args, templatePath(stack))
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = ".." // where .cfnlintrc.yaml is
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "cfn-lint findings:\n%s", out)
	require.Empty(t, string(out))
}
