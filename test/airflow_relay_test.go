package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAirflowRelayOnlyWherePrivate: where the webserver is PRIVATE_ONLY, the Airflow stack has
// the Airflow REST API relay (stacks/airflow_relay.go) and the interface endpoint of
// com.amazonaws.<region>.airflow.env with private DNS, both in MWAA's two subnets; the endpoint
// admits HTTPS from the relay's group and MWAA's and nothing else; the relay's group reaches
// the endpoint and nothing else; the relay's role may call InvokeRestApi as Airflow role User
// of this environment and no other Airflow action, uses no managed policy, and writes only its
// own encrypted log group. Where the webserver is public there is neither.
func TestAirflowRelayOnlyWherePrivate(t *testing.T) {
	private := 0
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			env := p.Env
			functions := resourcesOf(t, p.Airflow.Stack, "AWS::Lambda::Function")
			endpoints := resourcesOf(t, p.Airflow.Stack, "AWS::EC2::VPCEndpoint")
			var relays []resource
			for _, fn := range functions {
				if fn.Properties["FunctionName"] == env.AirflowRelayFunctionName() {
					relays = append(relays, fn)
				}
			}
			if env.Airflow.WebserverAccessMode != config.WebserverPrivateOnly {
				assert.Empty(t, relays, "a public webserver needs no relay")
				assert.Empty(t, endpoints, "a public webserver needs no airflow.env endpoint")
				return
			}
			private++
			require.Len(t, relays, 1)
			fn := relays[0].Properties
			assert.Equal(t, "python3.12", fn["Runtime"])
			assert.Equal(t, "airflow_relay.handler", fn["Handler"])
			assert.EqualValues(t, 15, fn["Timeout"], "InvokeRestApi ends a call after 10 s")
			assert.EqualValues(t, 2, fn["ReservedConcurrentExecutions"])
			assert.Equal(t, map[string]any{"Variables": map[string]any{"AIRFLOW_ENVIRONMENT": env.AirflowEnvironmentName()}}, fn["Environment"])

			// MWAA's subnets, the relay's own group.
			mwaaNetwork := mwaaEnvironment(t, p).Properties["NetworkConfiguration"].(map[string]any)
			vpcConfig := fn["VpcConfig"].(map[string]any)
			assert.Equal(t, jsonText(mwaaNetwork["SubnetIds"]), jsonText(vpcConfig["SubnetIds"]), "the relay runs in MWAA's subnets")
			relayGroups := list(vpcConfig["SecurityGroupIds"])
			require.Len(t, relayGroups, 1)
			mwaaGroups := list(mwaaNetwork["SecurityGroupIds"])
			require.Len(t, mwaaGroups, 1)

			// The endpoint: airflow.env, private DNS, MWAA's subnets.
			require.Len(t, endpoints, 1)
			var endpoint resource
			for _, e := range endpoints {
				endpoint = e
			}
			ep := endpoint.Properties
			assert.Equal(t, "Interface", ep["VpcEndpointType"])
			assert.Equal(t, true, ep["PrivateDnsEnabled"])
			assert.Equal(t, "com.amazonaws."+env.Region+".airflow.env",
				renderLiterals(ep["ServiceName"]), "the PrivateLink service of env.airflow.<region>.amazonaws.com")
			assert.Equal(t, jsonText(mwaaNetwork["SubnetIds"]), jsonText(ep["SubnetIds"]))
			endpointGroups := list(ep["SecurityGroupIds"])
			require.Len(t, endpointGroups, 1)
			endpointGroup := endpointGroups[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)

			// Ingress on the endpoint's group: 443 from the relay's group and MWAA's, no more.
			groups := resourcesOf(t, p.Airflow.Stack, "AWS::EC2::SecurityGroup")
			assert.Nil(t, groups[endpointGroup].Properties["SecurityGroupIngress"], "no inline ingress")
			var sources []string
			for _, in := range resourcesOf(t, p.Airflow.Stack, "AWS::EC2::SecurityGroupIngress") {
				if jsonText(in.Properties["GroupId"]) != jsonText(getAtt(endpointGroup, "GroupId")) {
					continue
				}
				assert.Equal(t, "tcp", in.Properties["IpProtocol"])
				assert.EqualValues(t, 443, in.Properties["FromPort"])
				assert.EqualValues(t, 443, in.Properties["ToPort"])
				assert.Nil(t, in.Properties["CidrIp"])
				sources = append(sources, jsonText(in.Properties["SourceSecurityGroupId"]))
			}
			assert.ElementsMatch(t, []string{jsonText(relayGroups[0]), jsonText(mwaaGroups[0])}, sources)

			// The relay's group: egress 443 to the endpoint's group only.
			relayGroup := relayGroups[0].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			var egress []string
			inline, _ := groups[relayGroup].Properties["SecurityGroupEgress"].([]any)
			for _, out := range inline {
				egress = append(egress, jsonText(out))
			}
			for _, out := range resourcesOf(t, p.Airflow.Stack, "AWS::EC2::SecurityGroupEgress") {
				if jsonText(out.Properties["GroupId"]) == jsonText(getAtt(relayGroup, "GroupId")) {
					assert.Equal(t, jsonText(getAtt(endpointGroup, "GroupId")), jsonText(out.Properties["DestinationSecurityGroupId"]))
					assert.EqualValues(t, 443, out.Properties["FromPort"])
					assert.EqualValues(t, 443, out.Properties["ToPort"])
					egress = append(egress, "endpoint")
				}
			}
			assert.Equal(t, []string{"endpoint"}, egress, "no egress but HTTPS to the endpoint")

			// The role: one Airflow action on one Airflow role, no managed policy.
			roleID := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			role := resourcesOf(t, p.Airflow.Stack, "AWS::IAM::Role")[roleID]
			assert.Nil(t, role.Properties["ManagedPolicyArns"], "no AWS managed policy (AWSLambdaVPCAccessExecutionRole is written out)")
			var airflow []statement
			for _, st := range roleStatements(t, p.Airflow.Stack, roleID) {
				s := normalizedStatement(t, st)
				assert.Equal(t, "Allow", s.Effect)
				for _, a := range s.Actions {
					switch service, _, _ := strings.Cut(a, ":"); service {
					case "airflow":
						airflow = append(airflow, s)
					case "ec2", "logs":
					default:
						t.Errorf("the relay may %s", a)
					}
				}
			}
			require.Len(t, airflow, 1)
			assert.Equal(t, []string{"airflow:InvokeRestApi"}, airflow[0].Actions)
			assert.Equal(t, []string{fmt.Sprintf("arn:aws:airflow:%s:%s:role/%s/User", env.Region, env.Account, env.AirflowEnvironmentName())},
				airflow[0].Resources)

			// Its own log group, encrypted, with the environment's retention.
			groupsOfLogs := resourcesOf(t, p.Airflow.Stack, "AWS::Logs::LogGroup")
			var relayLogs []resource
			for _, g := range groupsOfLogs {
				if g.Properties["LogGroupName"] == "/aws/lambda/"+env.AirflowRelayFunctionName() {
					relayLogs = append(relayLogs, g)
				}
			}
			require.Len(t, relayLogs, 1)
			assert.NotNil(t, relayLogs[0].Properties["KmsKeyId"])
			assert.EqualValues(t, env.Network.FlowLogRetentionDays, relayLogs[0].Properties["RetentionInDays"])
			assert.NotNil(t, fn["LoggingConfig"], "the function logs to that group")
		})
	}
	assert.Positive(t, private, "no environment with a private webserver: the relay is untested")
}

// TestAirflowRelayCodeIsNoDag: the relay's code is a Lambda function's, not a DAG: it lives in
// airflow/relay/, which no deployment to MWAA copies (DeployDags takes dags/, DeployRequirements
// only requirements.txt and startup.sh), and nothing in dags/ but its test names it.
func TestAirflowRelayCodeIsNoDag(t *testing.T) {
	_, err := os.Stat(filepath.Join("..", "airflow", "relay", "airflow_relay.py"))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join("..", "dags", "airflow_relay.py"))
	assert.True(t, os.IsNotExist(err))
}
