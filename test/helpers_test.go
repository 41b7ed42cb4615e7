package test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Small readers of synthesized templates, shared by the stack tests.

// logicalID is the logical ID of a construct's CloudFormation resource: an L1 resource's own,
// or an L2 construct's default child's.
func logicalID(t *testing.T, c constructs.IConstruct) string {
	t.Helper()
	el, ok := c.(awscdk.CfnElement)
	if !ok {
		el, ok = c.Node().DefaultChild().(awscdk.CfnElement)
	}
	require.True(t, ok, "%s has no CloudFormation resource", *c.Node().Path())
	return *awscdk.Stack_Of(c).GetLogicalId(el)
}

// deletionPolicyOf is what config.Removal must turn into for buckets, keys, streams and logs.
func deletionPolicyOf(env config.Environment) string {
	if env.Removal == config.RemovalDestroy {
		return "Delete"
	}
	return "Retain"
}

// buildOne synthesizes one environment alone, its committed config changed by mutate: for a
// variant no committed environment has. It costs one synth of that environment.
func buildOne(t *testing.T, name string, mutate func(*config.Environment)) *stacks.Platform {
	t.Helper()
	envs := config.All()
	found := false
	for i := range envs {
		if envs[i].Name == name {
			mutate(&envs[i])
			found = true
		}
	}
	require.True(t, found, "no environment %s", name)
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	platforms, _, err := stacks.Build(app, envs, name)
	require.NoError(t, err)
	app.Synth(nil)
	require.Len(t, platforms, 1)
	return platforms[0]
}

// roleStatements is the one reader of what a role may do: the statements of its inline
// policies and of every AWS::IAM::Policy of the stack attached to it, as in the template.
func roleStatements(t *testing.T, stack awscdk.Stack, roleID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	role, ok := resourcesOf(t, stack, "AWS::IAM::Role")[roleID]
	require.True(t, ok, "no role %s", roleID)
	inline, _ := role.Properties["Policies"].([]any)
	for _, p := range inline {
		out = append(out, documentStatements(p.(map[string]any)["PolicyDocument"])...)
	}
	for _, p := range resourcesOf(t, stack, "AWS::IAM::Policy") {
		if slices.ContainsFunc(list(p.Properties["Roles"]), func(r any) bool { return jsonText(r) == jsonText(ref(roleID)) }) {
			out = append(out, documentStatements(p.Properties["PolicyDocument"])...)
		}
	}
	require.NotEmpty(t, out, "role %s may do nothing", roleID)
	return out
}

// documentStatements are the statements of one policy document.
func documentStatements(document any) []map[string]any {
	var out []map[string]any
	for _, s := range list(document.(map[string]any)["Statement"]) {
		out = append(out, s.(map[string]any))
	}
	return out
}

// statement is one IAM policy statement with Action and Resource normalized to lists; a
// resource built with Fn::Join is rendered by renderJoin, so its literal parts stay visible.
type statement struct {
	Sid       string
	Effect    string
	Actions   []string
	Resources []string
	Condition map[string]any
}

// normalizedStatement is s as a statement.
func normalizedStatement(t *testing.T, s map[string]any) statement {
	t.Helper()
	n := statement{Actions: stringsOf(t, s["Action"]), Resources: stringsOf(t, s["Resource"])}
	n.Sid, _ = s["Sid"].(string)
	n.Effect, _ = s["Effect"].(string)
	n.Condition, _ = s["Condition"].(map[string]any)
	return n
}

// statementsOf is a policy document's statements, normalized.
func statementsOf(t *testing.T, document any) []statement {
	t.Helper()
	var out []statement
	for _, s := range documentStatements(document) {
		out = append(out, normalizedStatement(t, s))
	}
	return out
}

// getAtt and ref are how a template points at one of its resources.
func getAtt(id, attr string) any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func ref(id string) any          { return map[string]any{"Ref": id} }

// outputsOf decodes the stack's Outputs section.
func outputsOf(t *testing.T, stack awscdk.Stack) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(templatePath(stack))
	require.NoError(t, err)
	var tpl struct{ Outputs map[string]map[string]any }
	require.NoError(t, json.Unmarshal(raw, &tpl))
	return tpl.Outputs
}

// jsonText is v as compact JSON, for "does this value mention X" checks.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// list turns a policy field that may be a string or a list into a list.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// asStrings flattens a policy's Action or Resource; intrinsic functions become their JSON.
func asStrings(v any) []string {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var out []string
	for _, item := range items {
		if s, ok := item.(string); ok {
			out = append(out, s)
		} else {
			raw, _ := json.Marshal(item)
			out = append(out, string(raw))
		}
	}
	return out
}

// only returns the single resource of a map that must hold exactly one.
func only(t *testing.T, resources map[string]resource) (string, resource) {
	t.Helper()
	require.Len(t, resources, 1)
	for id, r := range resources {
		return id, r
	}
	panic("unreachable")
}

// outputName is the output another stack's value is read through (weak cross-stack references
// synthesize as Fn::GetStackOutput), or "" when v is not such a reference.
func outputName(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	ref, ok := m["Fn::GetStackOutput"].(map[string]any)
	if !ok {
		return ""
	}
	return fmt.Sprint(ref["StackName"]) + "/" + fmt.Sprint(ref["OutputName"])
}

// assertSubnetsOfTier checks that subnetIDs names one subnet of the Network stack's tier per
// availability zone of the environment.
func assertSubnetsOfTier(t *testing.T, subnetIDs any, env config.Environment, tier string) {
	t.Helper()
	subnets, ok := subnetIDs.([]any)
	require.True(t, ok, "SubnetIds is a list: %v", subnetIDs)
	require.Len(t, subnets, len(env.AvailabilityZones))
	for _, s := range subnets {
		assert.Contains(t, outputName(s), tier+"Subnet")
	}
}
