// Package test holds every synth-based test of the platform. They share one package so the
// suite starts one jsii (node) process and synthesizes the whole app once, in TestMain.
// jsii is not thread-safe: no test here may call t.Parallel().
package test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata/ from the current app")

// suite is the app every test reads: all environments of the committed config, synthesized once.
var suite struct {
	platforms []*stacks.Platform
	accounts  []*stacks.AccountStack
	templates map[string]assertions.Template
	// outdir is the synthesized cloud assembly, assets included.
	outdir string
}

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	jsii.Close()
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	outdir, err := os.MkdirTemp("", "cdk.out-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(outdir)
	suite.outdir = outdir
	app, err := newApp(outdir)
	if err != nil {
		return 0, err
	}
	suite.platforms, suite.accounts, err = stacks.Build(app, config.All(), "")
	if err != nil {
		return 0, fmt.Errorf("committed config is invalid:\n%w", err)
	}
	app.Synth(nil)
	suite.templates = map[string]assertions.Template{}
	return m.Run(), nil
}

// newApp makes an app with the feature flags of cdk.json, so tests synthesize exactly what
// `cdk synth` does. The built-in CloudFormation validation stays off here: `make synth` runs it.
func newApp(outdir string) (awscdk.App, error) {
	raw, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		return nil, err
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return awscdk.NewApp(&awscdk.AppProps{
		Outdir:                          jsii.String(outdir),
		Context:                         &cdkJSON.Context,
		BuiltinCloudFormationValidation: jsii.Bool(false),
	}), nil
}

// allStacks lists every stack of the suite's app, keyed "<stage>/<stack>".
// withAirflow are the platforms whose environment runs MWAA (airflow.disabled off): the tests of
// the Airflow stack read these; TestNoAirflowWhereMWAAIsOff checks the others.
func withAirflow() []*stacks.Platform {
	var out []*stacks.Platform
	for _, p := range suite.platforms {
		if p.Airflow != nil {
			out = append(out, p)
		}
	}
	return out
}

func allStacks() map[string]awscdk.Stack {
	all := map[string]awscdk.Stack{}
	add := func(stack awscdk.Stack) {
		all[*awscdk.Stage_Of(stack).StageName()+"/"+*stack.Node().Id()] = stack
	}
	for _, a := range suite.accounts {
		add(a.Stack)
	}
	for _, p := range suite.platforms {
		for _, child := range *p.Stage.Node().Children() {
			if stack, ok := child.(awscdk.Stack); ok && *awscdk.Stack_IsStack(child) {
				add(stack)
			}
		}
	}
	return all
}

// templateOf returns the assertions view of a synthesized stack, read once per stack.
func templateOf(stack awscdk.Stack) assertions.Template {
	key := *stack.Node().Path()
	if t, ok := suite.templates[key]; ok {
		return t
	}
	t := assertions.Template_FromStack(stack, nil)
	suite.templates[key] = t
	return t
}

// templatePath is where the stack's template was written.
func templatePath(stack awscdk.Stack) string {
	return filepath.Join(*awscdk.Stage_Of(stack).Outdir(), *stack.TemplateFile())
}

// resourcesOf decodes the stack's resources of one CloudFormation type, keyed by logical ID.
func resourcesOf(t *testing.T, stack awscdk.Stack, cfnType string) map[string]resource {
	t.Helper()
	raw, err := os.ReadFile(templatePath(stack))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]resource
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	out := map[string]resource{}
	for id, r := range tpl.Resources {
		if r.Type == cfnType {
			out[id] = r
		}
	}
	return out
}

// resource is one entry of a template's Resources section.
type resource struct {
	Type                string
	Properties          map[string]any
	DeletionPolicy      string
	UpdateReplacePolicy string
	DependsOn           any
	Metadata            map[string]any
}
