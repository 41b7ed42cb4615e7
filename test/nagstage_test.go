package test

import (
	"os"
	"path/filepath"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"
)

// TestNagChecksInsideStages proves that Build's checks reach the stacks inside each stage:
// CDK does not carry aspects across stage boundaries, so checks added only to the app would
// pass every stack of every environment unseen.
func TestNagChecksInsideStages(t *testing.T) {
	dir := t.TempDir()
	app, err := newApp(dir)
	require.NoError(t, err)
	platforms, _, err := stacks.Build(app, config.All()[:1])
	require.NoError(t, err)
	awss3.NewBucket(platforms[0].Network.Stack, jsii.String("Insecure"), nil)
	require.Panics(t, func() { app.Synth(nil) })
	reports, err := filepath.Glob(filepath.Join(dir, "*", "validation-report.json"))
	require.NoError(t, err)
	if len(reports) == 0 {
		reports, _ = filepath.Glob(filepath.Join(dir, "validation-report.json"))
	}
	require.NotEmpty(t, reports)
	report, err := os.ReadFile(reports[0])
	require.NoError(t, err)
	require.Contains(t, string(report), "AwsSolutions-S1")
}
