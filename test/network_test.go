package test

import (
	"fmt"
	"testing"

	"dataplatform/config"

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
