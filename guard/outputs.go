package guard

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Stacks of this app read each other's outputs through weak references (Fn::GetStackOutput),
// which CloudFormation resolves when the consumer is deployed and never again: when a
// producer's output changes, a consumer keeps the old value, and `cdk deploy` skips a
// consumer whose own template did not change. Strong references (exports) would update, but
// change every template and bring export deadlocks. So the guard refuses instead: a change of
// an output that another stack of a protected stage reads is a finding, allowed only by name.

// staleOutputs finds every output of a protected stage whose value differs between base and
// head while some head stack reads it through Fn::GetStackOutput.
func staleOutputs(base, head Templates, stages []string) []Finding {
	var findings []Finding
	for consumerKey, consumer := range head {
		if !slices.Contains(stages, Stage(consumerKey)) {
			continue
		}
		for id, r := range consumer.Resources {
			for _, ref := range stackOutputRefs(r.Properties) {
				producerKey := producerKeyOf(ref.stack, Stage(consumerKey))
				before, hadBefore := base[producerKey].Outputs[ref.output]
				after, hasAfter := head[producerKey].Outputs[ref.output]
				if !hadBefore || !hasAfter || reflect.DeepEqual(before.Value, after.Value) {
					continue
				}
				findings = append(findings, Finding{
					Key: producerKey, LogicalID: ref.output, Type: "output", Change: "changed under its readers",
					Why: fmt.Sprintf("%s %s reads it through Fn::GetStackOutput, which CloudFormation does not re-read: deploy %s again after %s, or replace the reference",
						consumerKey, id, consumerKey, producerKey),
				})
			}
		}
	}
	slices.SortFunc(findings, func(a, b Finding) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(findings)
}

// outputRef is one Fn::GetStackOutput: the producer's stack name and the output's name.
type outputRef struct{ stack, output string }

// stackOutputRefs finds every Fn::GetStackOutput anywhere in v.
func stackOutputRefs(v any) []outputRef {
	var refs []outputRef
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["Fn::GetStackOutput"].(map[string]any); ok {
			stack, _ := ref["StackName"].(string)
			output, _ := ref["OutputName"].(string)
			return []outputRef{{stack, output}}
		}
		for _, e := range x {
			refs = append(refs, stackOutputRefs(e)...)
		}
	case []any:
		for _, e := range x {
			refs = append(refs, stackOutputRefs(e)...)
		}
	}
	return refs
}

// producerKeyOf turns a stack name of a stage ("production-DataLake") into its Templates key
// ("production/DataLake").
func producerKeyOf(stackName, stage string) string {
	return stage + "/" + strings.TrimPrefix(stackName, stage+"-")
}
