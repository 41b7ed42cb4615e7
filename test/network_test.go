package test

import (
	"fmt"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNetwork(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			n := p.Env.Network
			stack := p.Network.Stack
			tpl := templateOf(stack)

			tpl.HasResourceProperties(jsii.String("AWS::EC2::VPC"), map[string]any{"CidrBlock": n.CIDR})

			subnets := resourcesOf(t, stack, "AWS::EC2::Subnet")
			require.Len(t, subnets, 3*len(p.Env.AvailabilityZones), "one subnet per tier and AZ")
			zones := map[any]int{}
			for id, s := range subnets {
				zones[s.Properties["AvailabilityZone"]]++
				assert.Equal(t, false, s.Properties["MapPublicIpOnLaunch"], "%s must not hand out public IPs", id)
			}
			for _, az := range p.Env.AvailabilityZones {
				assert.Equal(t, 3, zones[az], "subnets in %s", az)
			}

			assert.Len(t, resourcesOf(t, stack, "AWS::EC2::NatGateway"), n.NATGateways)
			tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
				"VpcEndpointType": "Gateway",
				"ServiceName":     map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", map[string]any{"Ref": "AWS::Region"}, ".s3"}}},
			})
			tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
				"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
			})
			tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
				"RetentionInDays": n.FlowLogRetentionDays,
				"KmsKeyId":        assertions.Match_AnyValue(),
			})
			tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
			assertLogsKeyPolicy(t, tpl, p.Env)
		})
	}
}

// assertLogsKeyPolicy checks that CloudWatch Logs may use the key only for this account's log groups.
func assertLogsKeyPolicy(t *testing.T, tpl assertions.Template, env config.Environment) {
	t.Helper()
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Principal": map[string]any{"Service": fmt.Sprintf("logs.%s.amazonaws.com", env.Region)},
			"Condition": map[string]any{"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": assertions.Match_AnyValue(),
			}},
			"Effect": "Allow",
		})})},
	})
}

// openEgress are the security groups that may reach 0.0.0.0/0, each a documented requirement of
// its service (comments at the groups): MWAA's all outbound, Databricks' workspace ports.
var openEgress = map[string]string{
	"Airflow/SecurityGroup":             "MWAA",
	"Databricks/WorkspaceSecurityGroup": "Databricks",
}

// TestOpenEgressOnlyWhereDocumented finds every egress rule to 0.0.0.0/0 (inline or a rule of
// its own) in every stack, and expects it only on the groups of openEgress. "Disallow all
// traffic" placeholders (255.255.255.255/32) are CDK's no-egress marker and are not open.
func TestOpenEgressOnlyWhereDocumented(t *testing.T) {
	for name, stack := range allStacks() {
		stage, stackName, _ := strings.Cut(name, "/")
		groups := map[string]string{}
		for id := range resourcesOf(t, stack, "AWS::EC2::SecurityGroup") {
			groups[id] = stackName + "/" + strings.TrimRight(id, "0123456789ABCDEF")
		}
		open := map[string]bool{}
		for id, sg := range resourcesOf(t, stack, "AWS::EC2::SecurityGroup") {
			egress, _ := sg.Properties["SecurityGroupEgress"].([]any)
			for _, rule := range egress {
				if rule.(map[string]any)["CidrIp"] == "0.0.0.0/0" {
					open[groups[id]] = true
				}
			}
		}
		for id, rule := range resourcesOf(t, stack, "AWS::EC2::SecurityGroupEgress") {
			if rule.Properties["CidrIp"] == "0.0.0.0/0" || rule.Properties["CidrIpv6"] == "::/0" {
				open[stackName+"/"+id] = true
			}
		}
		for group := range open {
			_, documented := openEgress[group]
			assert.True(t, documented, "%s: %s egresses to 0.0.0.0/0; restrict it to what it reaches (a peer group, a prefix list, an endpoint)", stage, group)
		}
	}
}

// TestSecretsManagerEndpoint: the private subnets reach Secrets Manager privately, and the
// endpoint admits only the groups that allowed themselves (DMS, secret rotation, MWAA), on 443.
// That these are all its callers is TestEveryVpcCallerReachesWhatItCalls's to find.
func TestSecretsManagerEndpoint(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			id, endpoint := only(t, filterByService(resourcesOf(t, p.Network.Stack, "AWS::EC2::VPCEndpoint"), "secretsmanager"))
			assert.Equal(t, "Interface", endpoint.Properties["VpcEndpointType"], id)
			assert.Equal(t, true, endpoint.Properties["PrivateDnsEnabled"], id)
			subnets := list(endpoint.Properties["SubnetIds"])
			assert.Len(t, subnets, len(p.Env.AvailabilityZones))
			for _, s := range subnets {
				assert.Contains(t, jsonText(s), stacks.PrivateSubnets+"Subnet", "the endpoint serves the private subnets")
			}
			sgID := getAttID(list(endpoint.Properties["SecurityGroupIds"])[0])
			sg := resourcesOf(t, p.Network.Stack, "AWS::EC2::SecurityGroup")[sgID]
			assert.NotContains(t, sg.Properties, "SecurityGroupIngress", "nobody is admitted in the endpoint's own stack")

			var admitted []string
			callers, want := []awscdk.Stack{p.Database.Stack, p.Cdc.Stack}, []string{"Database/RotationSecurityGroup", "Cdc/SecurityGroup"}
			if p.Airflow != nil {
				callers, want = append(callers, p.Airflow.Stack), append(want, "Airflow/SecurityGroup")
			}
			for _, stack := range callers {
				for _, rule := range resourcesOf(t, stack, "AWS::EC2::SecurityGroupIngress") {
					if strings.Contains(outputName(rule.Properties["GroupId"]), sgID) {
						assert.EqualValues(t, 443, rule.Properties["FromPort"])
						assert.EqualValues(t, 443, rule.Properties["ToPort"])
						admitted = append(admitted, *stack.Node().Id()+"/"+strings.TrimRight(getAttID(rule.Properties["SourceSecurityGroupId"]), "0123456789ABCDEF"))
					}
				}
			}
			assert.ElementsMatch(t, want, admitted)
		})
	}
}

// filterByService keeps the endpoints of one AWS service (com.amazonaws.<region>.<service>).
func filterByService(endpoints map[string]resource, service string) map[string]resource {
	out := map[string]resource{}
	for id, e := range endpoints {
		if strings.HasSuffix(fmt.Sprint(e.Properties["ServiceName"]), "."+service) {
			out[id] = e
		}
	}
	return out
}
