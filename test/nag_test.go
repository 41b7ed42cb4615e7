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
// the same way (stacks.AddNagChecks) to a stack inside a stage, as every platform stack is, must
// flag a bucket with no logging, no SSL enforcement and no encryption choice.
func TestNagCatchesAnInsecureBucket(t *testing.T) {
	dir := t.TempDir()
	app, err := newApp(dir)
	require.NoError(t, err)
	stage := awscdk.NewStage(app, jsii.String("insecure"), nil)
	stack := awscdk.NewStack(stage, jsii.String("Insecure"), nil)
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	stacks.AddNagChecks(stage)
	// Error annotations fail synthesis (the validation report is fatal with cdk.json's flags),
	// which is also how a finding stops `cdk synth` of the real app.
	require.Panics(t, func() { app.Synth(nil) })
	report, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	require.NoError(t, err)
	require.Contains(t, string(report), "AwsSolutions-S1")
	require.Contains(t, string(report), "AwsSolutions-S10")
}

// TestNagRunsOnEveryStage guards the wiring that TestNagClean relies on: a stage synthesizes
// on its own and ignores the app's aspects, so every stage must carry the AwsSolutions pack.
func TestNagRunsOnEveryStage(t *testing.T) {
	stages := map[string]awscdk.Stage{}
	for _, p := range suite.platforms {
		stages[*p.Stage.StageName()] = p.Stage
	}
	for _, a := range suite.accounts {
		stage := awscdk.Stage_Of(a.Stack)
		stages[*stage.StageName()] = stage
	}
	for name, stage := range stages {
		found := false
		for _, aspect := range *awscdk.Aspects_Of(stage).All() {
			_, found = aspect.(cdknag.AwsSolutionsChecks)
			if found {
				break
			}
		}
		require.True(t, found, "stage %s has no AwsSolutions checks", name)
	}
}
