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
// change every template and bring export deadlocks. So the guard refuses instead.
//
// CDK names each weak-reference output after what it points to, so its text rarely changes;
// what changes its value is the resource it points to being replaced under the same logical
// ID (a role or a security group renamed, a topic's name changed). Both count: an output read
// by another stack of a protected stage whose text changes, or whose resource a replacing
// property change would replace, is a finding, allowed only by the output's name.

// staleOutputs finds every output of a protected stage that some head stack reads through
// Fn::GetStackOutput and that changes value between base and head.
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
				if !hadBefore || !hasAfter {
					continue
				}
				why := ""
				if !reflect.DeepEqual(before.Value, after.Value) {
					why = "its value changes"
				} else if changed := replacedTarget(base[producerKey], head[producerKey], before.Value); changed != "" {
					why = changed
				}
				if why == "" {
					continue
				}
				findings = append(findings, Finding{
					Key: producerKey, LogicalID: ref.output, Type: "output", Change: "changed under its readers",
					Why: fmt.Sprintf("%s, and %s %s reads it through Fn::GetStackOutput, which CloudFormation does not re-read: deploy %s again after %s, or replace the reference",
						why, consumerKey, id, consumerKey, producerKey),
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

// replacedTarget says how the resource an output points to (a Ref or a GetAtt) would be
// replaced between base and head, or "" when it would not.
func replacedTarget(base, head Template, value any) string {
	id := referencedID(value)
	old, hadOld := base.Resources[id]
	now, hasNow := head.Resources[id]
	if id == "" || !hadOld || !hasNow || old.Type != now.Type {
		return ""
	}
	changed := changedPaths(old, now, slices.Concat(ReplacingProperties(old.Type), referencedReplacing[old.Type]))
	if len(changed) == 0 {
		return ""
	}
	return fmt.Sprintf("its resource %s (%s) would be replaced (%s changes)", id, old.Type, strings.Join(changed, ", "))
}

// referencedID is the logical ID a Ref or Fn::GetAtt names, or "".
func referencedID(value any) string {
	m, _ := value.(map[string]any)
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) > 0 {
		id, _ := att[0].(string)
		return id
	}
	return ""
}

// referencedReplacing lists, for the stateless types this app's stacks hand each other, the
// properties whose change replaces the resource (CloudFormation template reference, "Update
// requires: Replacement"). Stateful types are in replacing.
var referencedReplacing = map[string][]string{
	"AWS::IAM::Role":               {"RoleName", "Path"},
	"AWS::IAM::ManagedPolicy":      {"ManagedPolicyName", "Path"},
	"AWS::EC2::SecurityGroup":      {"GroupDescription", "GroupName", "VpcId"},
	"AWS::EC2::VPC":                {"CidrBlock", "InstanceTenancy"},
	"AWS::EC2::Subnet":             {"AvailabilityZone", "CidrBlock", "VpcId"},
	"AWS::SNS::Topic":              {"TopicName", "FifoTopic"},
	"AWS::Glue::Crawler":           {"Name"},
	"AWS::Athena::WorkGroup":       {"Name"},
	"AWS::Kinesis::StreamConsumer": {"ConsumerName", "StreamARN"},
}
