package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSmokeAnalystRole: only the MWAA execution role may assume the smoke's analyst role, and
// it holds the analysts' managed policy and nothing else.
func TestSmokeAnalystRole(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			roles := resourcesOf(t, p.Airflow.Stack, "AWS::IAM::Role")
			role, ok := roles[logicalID(t, p.Airflow.SmokeAnalystRole)]
			require.True(t, ok)
			assert.Equal(t, p.Env.SmokeAnalystRoleName(), role.Properties["RoleName"])
			trust := statementsOf(t, role.Properties["AssumeRolePolicyDocument"])
			require.Len(t, trust, 1, "one trust statement")
			raw := documentStatements(role.Properties["AssumeRolePolicyDocument"])[0]
			assert.Equal(t, map[string]any{"AWS": getAtt(logicalID(t, p.Airflow.ExecutionRole), "Arn")}, raw["Principal"], "the execution role, and no one else")
			assert.Equal(t, []string{"sts:AssumeRole"}, trust[0].Actions)
			assert.Empty(t, trust[0].Condition)
			require.Len(t, list(role.Properties["ManagedPolicyArns"]), 1)
			assert.Contains(t, outputName(list(role.Properties["ManagedPolicyArns"])[0]), logicalID(t, p.Analytics.AnalystsPolicy), "the analysts' managed policy")
			assert.NotContains(t, role.Properties, "Policies", "no inline policy: an analyst's grants only")
			for _, policy := range resourcesOf(t, p.Airflow.Stack, "AWS::IAM::Policy") {
				assert.NotContains(t, jsonText(policy.Properties["Roles"]), logicalID(t, p.Airflow.SmokeAnalystRole), "no policy of its own")
			}
			// The option names it as a literal, and the execution role may assume exactly it.
			arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", p.Env.Account, p.Env.SmokeAnalystRoleName())
			assert.Equal(t, arn, resolvePartition(mwaaEnvironment(t, p).Properties["AirflowConfigurationOptions"]).(map[string]any)["platform.smoke_analyst_role"])
			assert.Equal(t, []string{arn}, executionStatements(t, p)["SmokeAssumesAnalystRole"].Resources)
		})
	}
}

// TestSmokeAnalystPolicyQueriesTheWorkgroup: the analysts' policy, all the smoke's analyst
// role has, runs and reads queries in the analysts' workgroup and reads silver and gold.
func TestSmokeAnalystPolicyQueriesTheWorkgroup(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			policies := resourcesOf(t, p.Analytics.Stack, "AWS::IAM::ManagedPolicy")
			policy, ok := policies[logicalID(t, p.Analytics.AnalystsPolicy)]
			require.True(t, ok)
			var actions []string
			for _, s := range statementsOf(t, policy.Properties["PolicyDocument"]) {
				actions = append(actions, s.Actions...)
			}
			for _, need := range []string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup",
				"glue:GetTable", "glue:GetPartitions", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "kms:Decrypt", "kms:GenerateDataKey"} {
				assert.Contains(t, actions, need)
			}
		})
	}
}

// TestSmokeSecret: where the smoke writes to the database, the canary role has its own
// generated secret (never the master's), RDS-style (attached to the instance, with the
// database name), encrypted with the database key and rotated by its own single-user rotation
// in the VPC; where it does not, there is none.
func TestSmokeSecret(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Database.Stack
			var smoke []string
			for id, s := range resourcesOf(t, stack, "AWS::SecretsManager::Secret") {
				if s.Properties["Name"] == p.Env.SmokeSecretName() {
					smoke = append(smoke, id)
				}
			}
			if !p.Env.Smoke.WriteSources {
				assert.Empty(t, smoke)
				assert.Nil(t, p.Database.SmokeSecret)
				assert.Len(t, resourcesOf(t, stack, "AWS::SecretsManager::RotationSchedule"), 1, "the master's rotation only")
				return
			}
			require.Len(t, smoke, 1)
			secret := resourcesOf(t, stack, "AWS::SecretsManager::Secret")[smoke[0]]
			generate := secret.Properties["GenerateSecretString"].(map[string]any)
			var template map[string]any
			require.NoError(t, json.Unmarshal([]byte(generate["SecretStringTemplate"].(string)), &template))
			assert.Equal(t, map[string]any{"username": config.SmokeDatabaseUser, "dbname": p.Env.Database.DatabaseName}, template)
			assert.Equal(t, "password", generate["GenerateStringKey"])
			assert.NotContains(t, secret.Properties, "SecretString", "the password must never be in the template")
			keyID, _ := only(t, resourcesOfKey(t, stack, "Encrypts the source database"))
			assert.Equal(t, keyID, getAttID(secret.Properties["KmsKeyId"]))

			// Attached: RDS adds host, port and engine to it.
			var attachment string
			for id, a := range resourcesOf(t, stack, "AWS::SecretsManager::SecretTargetAttachment") {
				if jsonText(a.Properties["SecretId"]) == jsonText(ref(smoke[0])) {
					attachment = id
					assert.Equal(t, ref(logicalID(t, p.Database.Instance)), a.Properties["TargetId"])
					assert.Equal(t, "AWS::RDS::DBInstance", a.Properties["TargetType"])
				}
			}
			require.NotEmpty(t, attachment, "the canary secret is not attached to the instance")

			// Rotated on its own schedule, by its own hosted single-user rotation.
			var schedules int
			for id, s := range resourcesOf(t, stack, "AWS::SecretsManager::RotationSchedule") {
				if jsonText(s.Properties["SecretId"]) != jsonText(ref(attachment)) {
					continue
				}
				schedules++
				assert.Equal(t, map[string]any{"ScheduleExpression": fmt.Sprintf("rate(%d days)", p.Env.Database.SecretRotationDays)}, s.Properties["RotationRules"], id)
				// The role exists only after the documented set-up: no rotation at deploy.
				assert.Equal(t, false, s.Properties["RotateImmediatelyOnUpdate"], id)
				fn, ok := s.Properties["RotationLambdaARN"].(map[string]any)["Fn::GetAtt"].([]any)
				require.True(t, ok, id)
				app := resourcesOf(t, stack, "AWS::Serverless::Application")[fmt.Sprint(fn[0])]
				require.NotNil(t, app.Properties, "rotated by a SAR application")
				assert.True(t, strings.HasPrefix(fmt.Sprint(fn[0]), "SmokeSecretRotation"), "its own rotation, not the master's")
				params := app.Properties["Parameters"].(map[string]any)
				assert.Equal(t, getAtt(logicalID(t, p.Database.RotationSecurityGroup), "GroupId"), params["vpcSecurityGroupIds"], "in the VPC, in the rotation group the database admits")
				assert.Equal(t, " %+~`#$&*()|[]{}:;<>?!'/@\"\\", params["excludeCharacters"], "the secret's own excluded characters")
				mappings := (*templateOf(stack).ToJSON())["Mappings"].(map[string]any)
				mapping := app.Properties["Location"].(map[string]any)["ApplicationId"].(map[string]any)["Fn::FindInMap"].([]any)[0]
				assert.Contains(t, jsonText(mappings[fmt.Sprint(mapping)]), "SecretsManagerRDSPostgreSQLRotationSingleUser")
			}
			assert.Equal(t, 1, schedules)
		})
	}
}

// TestSmokeExecutionStatements: what the smoke adds to the execution role, each scoped.
func TestSmokeExecutionStatements(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			e := p.Env
			statements := executionStatements(t, p)
			arn := func(service, resource string) string {
				return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, e.Region, e.Account, resource)
			}
			// Metrics only in the environment's smoke namespace.
			metrics := statements["SmokePublishesMetrics"]
			assert.Equal(t, []string{"cloudwatch:PutMetricData"}, metrics.Actions)
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": e.SmokeMetricNamespace()}}, metrics.Condition)

			// Bronze: read only, under the producers' prefixes.
			read := statements["SmokeReadsBronze"]
			assert.Equal(t, []string{"s3:GetObject"}, read.Actions)
			var prefixes []string
			for _, r := range read.Resources {
				_, prefix, ok := strings.Cut(r, "}}}/")
				require.True(t, ok, r)
				prefixes = append(prefixes, prefix)
			}
			want := []string{config.BronzeRDSPrefix + "*"}
			for _, st := range e.Streaming.Streams {
				want = append(want, config.BronzeKinesisPrefix(st.Name)+"*")
			}
			want = append(want, config.BronzeAPIRoot+"*")
			assert.ElementsMatch(t, want, prefixes)
			listed := statements["SmokeListsBronze"].Condition["StringLike"].(map[string]any)["s3:prefix"]
			assert.ElementsMatch(t, anySlice(want), listed)

			writes := []string{"SmokeChecksDmsTask", "SmokeReadsCanarySecret", "DatabaseKeyViaSecretsManager", "SmokePutsRecords", "StreamKeyViaKinesis"}
			if !e.Smoke.WriteSources {
				for _, sid := range writes {
					assert.NotContains(t, statements, sid, "nothing to write with where the smoke writes nothing")
				}
				return
			}
			for _, sid := range writes {
				require.Contains(t, statements, sid)
			}
			secret := arn("secretsmanager", "secret:"+e.SmokeSecretName()+"-??????")
			assert.Equal(t, []string{secret}, statements["SmokeReadsCanarySecret"].Resources)
			assert.Equal(t, []string{"secretsmanager:GetSecretValue"}, statements["SmokeReadsCanarySecret"].Actions)
			key := statements["DatabaseKeyViaSecretsManager"]
			assert.Equal(t, []string{"kms:Decrypt"}, key.Actions)
			assert.Contains(t, key.Resources[0], logicalID(t, p.Database.Key))
			assert.Equal(t, map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + e.Region + ".amazonaws.com"},
				"StringLike":   map[string]any{"kms:EncryptionContext:SecretARN": secret},
			}, key.Condition)

			var streams []any
			for _, st := range e.Streaming.Streams {
				streams = append(streams, arn("kinesis", "stream/"+e.StreamName(st.Name)))
			}
			assert.Equal(t, []string{"kinesis:PutRecords"}, statements["SmokePutsRecords"].Actions)
			assert.ElementsMatch(t, streams, anySlice(statements["SmokePutsRecords"].Resources))
			streamKey := statements["StreamKeyViaKinesis"]
			assert.Equal(t, []string{"kms:GenerateDataKey"}, streamKey.Actions)
			assert.Contains(t, streamKey.Resources[0], logicalID(t, p.Streaming.Key))
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{
				"kms:ViaService": "kinesis." + e.Region + ".amazonaws.com", "kms:EncryptionContext:aws:kinesis:arn": streams,
			}}, streamKey.Condition)
			assert.Equal(t, []string{"dms:DescribeReplicationTasks"}, statements["SmokeChecksDmsTask"].Actions)
		})
	}
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
