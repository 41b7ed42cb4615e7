package test

import (
	"os"
	"path/filepath"
	"testing"

	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/stretchr/testify/require"
)

var awsSolutions = assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))

// TestNagClean asserts that cdk-nag's AwsSolutions pack finds nothing unsuppressed anywhere.
func TestNagClean(t *testing.T) {
	for name, stack := range allStacks() {
		t.Run(name, func(t *testing.T) {
			annotations := assertions.Annotations_FromStack(stack)
			for _, e := range *annotations.FindError(jsii.String("*"), awsSolutions) {
				t.Errorf("error at %s: %v", *e.Id, e.Entry.Data)
			}
			for _, w := range *annotations.FindWarning(jsii.String("*"), awsSolutions) {
				t.Errorf("warning at %s: %v", *w.Id, w.Entry.Data)
			}
		})
	}
}

// TestNagCatchesAnInsecureBucket proves the nag check above can fail: the same pack, applied
// the same way, must flag a bucket with no logging, no SSL enforcement and no encryption choice.
func TestNagCatchesAnInsecureBucket(t *testing.T) {
	dir := t.TempDir()
	app, err := newApp(dir)
	require.NoError(t, err)
	stack := awscdk.NewStack(app, jsii.String("Insecure"), nil)
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	// Error annotations fail synthesis (the validation report is fatal with cdk.json's flags),
	// which is also how a finding stops `cdk synth` of the real app.
	require.Panics(t, func() { app.Synth(nil) })
	report, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	require.NoError(t, err)
	require.Contains(t, string(report), "AwsSolutions-S1")
	require.Contains(t, string(report), "AwsSolutions-S10")
}

// TestNagReachesStacksInStages proves that the pack, applied the way stacks.Build applies it,
// checks stacks inside a Stage, where all of the platform's stacks live (an aspect on the app
// alone does not reach them).
func TestNagReachesStacksInStages(t *testing.T) {
	dir := t.TempDir()
	app, err := newApp(dir)
	require.NoError(t, err)
	stage := awscdk.NewStage(app, jsii.String("staged"), nil)
	awss3.NewBucket(awscdk.NewStack(stage, jsii.String("Insecure"), nil), jsii.String("Bucket"), nil)
	stacks.AddNagChecks(app)
	require.Panics(t, func() { app.Synth(nil) })
}
