package test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// mwaaEnvironment is the one AWS::MWAA::Environment of a platform's Airflow stack.
func mwaaEnvironment(t *testing.T, p *stacks.Platform) resource {
	t.Helper()
	envs := resourcesOf(t, p.Airflow.Stack, "AWS::MWAA::Environment")
	require.Len(t, envs, 1)
	for _, r := range envs {
		return r
	}
	return resource{}
}

func TestAirflowEnvironmentFromConfig(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			a := p.Env.Airflow
			env := mwaaEnvironment(t, p)
			props := env.Properties
			assert.Equal(t, p.Env.AirflowEnvironmentName(), props["Name"])
			assert.Equal(t, a.Version, props["AirflowVersion"])
			assert.Equal(t, a.EnvironmentClass, props["EnvironmentClass"])
			assert.EqualValues(t, a.MinWorkers, props["MinWorkers"])
			assert.EqualValues(t, a.MaxWorkers, props["MaxWorkers"])
			assert.EqualValues(t, a.Schedulers, props["Schedulers"])
			assert.Equal(t, a.WebserverAccessMode, props["WebserverAccessMode"])
			assert.Equal(t, a.MaintenanceWindow, props["WeeklyMaintenanceWindowStart"])
			assert.Equal(t, "dags", props["DagS3Path"])
			assert.Equal(t, "requirements.txt", props["RequirementsS3Path"])

			logging := props["LoggingConfiguration"].(map[string]any)
			want := map[string]string{"DagProcessingLogs": a.LogLevel, "SchedulerLogs": a.LogLevel, "TaskLogs": a.TaskLogLevel,
				"WebserverLogs": a.LogLevel, "WorkerLogs": a.LogLevel}
			require.Len(t, logging, len(want))
			for logType, level := range want {
				assert.Equal(t, map[string]any{"Enabled": true, "LogLevel": level}, logging[logType], logType)
			}
		})
	}
}

func TestAirflowProductionWebserverIsPrivate(t *testing.T) {
	for _, p := range withAirflow() {
		if p.Env.TerminationProtection {
			assert.Equal(t, config.WebserverPrivateOnly, mwaaEnvironment(t, p).Properties["WebserverAccessMode"], p.Env.Name)
		}
	}
}

// TestAirflowConfigurationOptions checks that the DAGs get every name from the stack, derived
// by config, under the keys dags/platform_lib/settings.py reads.
func TestAirflowConfigurationOptions(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			e := p.Env
			var crawlers []string
			for _, family := range config.CrawlerFamilies {
				crawlers = append(crawlers, e.CrawlerName(family))
			}
			want := map[string]any{
				"platform.region":            e.Region,
				"platform.bronze_bucket":     e.BucketName(config.BucketBronze),
				"platform.bronze_api_prefix": config.BronzeAPIRoot,
				"platform.bronze_database":   e.DatabaseName(config.LayerBronze),
				"platform.crawlers":          strings.Join(crawlers, ","),
				"platform.dbt_workgroup":     e.WorkgroupName(config.WorkgroupDbt),
				"platform.alert_topic_arn":   fmt.Sprintf("arn:aws:sns:%s:%s:%s", e.Region, e.Account, e.AlertTopicName()),
				"secrets.backend":            "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
				"secrets.backend_kwargs":     fmt.Sprintf(`{"config_prefix":null,"connections_prefix":%q,"variables_prefix":null}`, e.AirflowConnectionsPrefix()),
			}
			// platform_smoke's (dags/smoke_plan.json has the rest).
			var streams []string
			for _, st := range e.Streaming.Streams {
				streams = append(streams, st.Name+"="+e.StreamName(st.Name))
			}
			maps.Copy(want, map[string]any{
				"platform.smoke_stages":           e.SmokeStagesOption(),
				"platform.dms_task_id":            e.ReplicationTaskIdentifier(),
				"platform.kinesis_streams":        strings.Join(streams, ","),
				"platform.smoke_analyst_role":     fmt.Sprintf("arn:aws:iam::%s:role/%s", e.Account, e.SmokeAnalystRoleName()),
				"platform.analyst_workgroup":      e.WorkgroupName(config.WorkgroupAnalysts),
				"platform.silver_database":        e.DatabaseName(config.LayerSilver),
				"platform.gold_database":          e.DatabaseName(config.LayerGold),
				"platform.smoke_metric_namespace": e.SmokeMetricNamespace(),
			})
			// Left out where empty: the DAG reads a missing option as "".
			if e.Smoke.Schedule != "" {
				want["platform.smoke_schedule"] = e.Smoke.Schedule
			}
			if e.Smoke.WriteSources {
				want["platform.smoke_secret"] = e.SmokeSecretName()
			}
			// The DAG has a Databricks task, and gold after it, only where these are set.
			if e.Databricks.Enabled {
				want["platform.databricks_batch_job"] = e.DatabricksJobName(config.DatabricksBatchJob)
				want["platform.dbt_target"] = e.Name
				want["platform.dbt_project_dir"] = "/usr/local/airflow/dags/dbt"
				want["platform.dbt_executable"] = "/usr/local/airflow/dbt_venv/bin/dbt"
			}
			assert.Equal(t, want, resolvePartition(mwaaEnvironment(t, p).Properties["AirflowConfigurationOptions"]))
		})
	}
	settings, err := os.ReadFile(filepath.Join("..", "dags", "platform_lib", "settings.py"))
	require.NoError(t, err)
	for _, key := range []string{"region", "bronze_bucket", "bronze_api_prefix", "bronze_database", "crawlers", "dbt_workgroup", "alert_topic_arn", "databricks_batch_job",
		"dbt_target", "dbt_project_dir", "dbt_executable"} {
		assert.Contains(t, string(settings), fmt.Sprintf("= %q", key), "settings.py must read platform.%s", key)
	}
}

// resolvePartition replaces the AWS::Partition references of a template value by "aws", the
// partition of every configured region, so that ARNs compare as plain strings.
func resolvePartition(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	text := strings.ReplaceAll(string(raw), `{"Ref":"AWS::Partition"}`, `"aws"`)
	var out any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		panic(err)
	}
	return joinLiterals(out)
}

// joinLiterals folds every Fn::Join whose parts are all strings into the joined string.
func joinLiterals(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if join, ok := x["Fn::Join"].([]any); ok && len(x) == 1 {
			sep, parts := join[0].(string), join[1].([]any)
			var ss []string
			for _, part := range parts {
				s, ok := joinLiterals(part).(string)
				if !ok {
					return x
				}
				ss = append(ss, s)
			}
			return strings.Join(ss, sep)
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = joinLiterals(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = joinLiterals(e)
		}
		return out
	}
	return v
}

// TestAirflowSubnets checks that MWAA gets exactly two private subnets in two different AZs,
// following the subnet IDs through the Network stack's outputs to the subnets themselves.
func TestAirflowSubnets(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			network := readTemplate(t, p.Network.Stack)
			ids := mwaaEnvironment(t, p).Properties["NetworkConfiguration"].(map[string]any)["SubnetIds"].([]any)
			require.Len(t, ids, 2)
			var zones []string
			for _, id := range ids {
				output := id.(map[string]any)["Fn::GetStackOutput"].(map[string]any)["OutputName"].(string)
				subnetID := network.Outputs[output].Value.(map[string]any)["Ref"].(string)
				subnet := network.Resources[subnetID]
				require.Equal(t, "AWS::EC2::Subnet", subnet.Type)
				assert.Contains(t, subnet.Properties["Tags"], map[string]any{"Key": "aws-cdk:subnet-type", "Value": "Private"})
				zones = append(zones, subnet.Properties["AvailabilityZone"].(string))
			}
			assert.Equal(t, p.Env.AvailabilityZones[:2], zones)
			assert.NotEqual(t, zones[0], zones[1])
		})
	}
}

func TestAirflowSecurityGroup(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack, a := p.Airflow.Stack, p.Airflow
			sg := logicalID(t, a.SecurityGroup)
			groupID := map[string]any{"Fn::GetAtt": []any{sg, "GroupId"}}
			assert.Equal(t, []any{groupID}, mwaaEnvironment(t, p).Properties["NetworkConfiguration"].(map[string]any)["SecurityGroupIds"])
			templateOf(stack).HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
				"SecurityGroupEgress": []any{map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1", "Description": assertions.Match_AnyValue()}},
			})
			self, database := 0, 0
			for _, rule := range resourcesOf(t, stack, "AWS::EC2::SecurityGroupIngress") {
				if strings.Contains(outputName(rule.Properties["GroupId"]), "Database") {
					// platform_smoke's canary writes, only where config lets it write.
					assert.True(t, p.Env.Smoke.WriteSources, "MWAA reaches the database only to write canary rows")
					assert.Contains(t, outputName(rule.Properties["GroupId"]), logicalID(t, p.Database.SecurityGroup))
					assert.Equal(t, groupID, rule.Properties["SourceSecurityGroupId"])
					assert.EqualValues(t, stacks.DatabasePort, rule.Properties["FromPort"])
					assert.EqualValues(t, stacks.DatabasePort, rule.Properties["ToPort"])
					database++
					continue
				}
				if strings.Contains(jsonText(rule.Properties["GroupId"]), "AirflowEnvEndpointSecurityGroup") {
					// The airflow.env endpoint's, where the webserver is PRIVATE_ONLY: checked by
					// TestAirflowRelayOnlyWherePrivate.
					continue
				}
				if jsonText(rule.Properties["GroupId"]) != jsonText(groupID) {
					// The one rule on another group: MWAA admits itself to the Secrets Manager
					// endpoint (TestEveryVpcCallerReachesWhatItCalls says why it must).
					assert.Contains(t, outputName(rule.Properties["GroupId"]), "SecretsManagerEndpointSecurityGroup")
					assert.Equal(t, groupID, rule.Properties["SourceSecurityGroupId"])
					assert.EqualValues(t, 443, rule.Properties["FromPort"])
					assert.EqualValues(t, 443, rule.Properties["ToPort"])
					continue
				}
				if rule.Properties["IpProtocol"] == "-1" && fmt.Sprint(rule.Properties["SourceSecurityGroupId"]) == fmt.Sprint(groupID) {
					self++
				}
			}
			assert.Equal(t, 1, self, "one self-referencing all-traffic ingress rule")
			assert.Equal(t, map[bool]int{true: 1, false: 0}[p.Env.Smoke.WriteSources], database, "MWAA admitted to the database where the smoke writes")
		})
	}
}

func TestAirflowSourceBucket(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack, a := p.Airflow.Stack, p.Airflow
			templateOf(stack).HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
				"BucketName":              p.Env.BucketName(config.BucketAirflow),
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"PublicAccessBlockConfiguration": map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"BucketEncryption": assertions.Match_ObjectLike(&map[string]any{
					"ServerSideEncryptionConfiguration": []any{assertions.Match_ObjectLike(&map[string]any{
						"ServerSideEncryptionByDefault": map[string]any{
							"SSEAlgorithm":   "aws:kms",
							"KMSMasterKeyID": map[string]any{"Fn::GetAtt": []any{logicalID(t, a.Key), "Arn"}},
						},
					})},
				}),
			})
			bucket := logicalID(t, a.SourceBucket)
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{bucket, "Arn"}}, mwaaEnvironment(t, p).Properties["SourceBucketArn"])
			deployments := map[string]map[string]any{}
			for _, r := range resourcesOf(t, stack, "Custom::CDKBucketDeployment") {
				deployments[fmt.Sprint(r.Properties["DestinationBucketKeyPrefix"])] = r.Properties
			}
			require.Len(t, deployments, 3, "dags/, the warehouse in dags/dbt/, and requirements.txt with startup.sh")
			// The DAGs' pruning spares the warehouse's folder, which its own deployment prunes.
			assert.Equal(t, []any{"dbt/*"}, deployments["dags/"]["Exclude"])
			assert.Equal(t, true, deployments["dags/dbt/"]["Prune"])
			// The startup script's dbt and the DAG's project are the ones the options name.
			assert.Equal(t, "startup.sh", mwaaEnvironment(t, p).Properties["StartupScriptS3Path"])
		})
	}
}

func TestAirflowKeyAndSecret(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack, a := p.Airflow.Stack, p.Airflow
			keyArn := map[string]any{"Fn::GetAtt": []any{logicalID(t, a.Key), "Arn"}}
			assert.Equal(t, keyArn, mwaaEnvironment(t, p).Properties["KmsKey"])
			// MWAA's log groups are encrypted with this key: CloudWatch Logs must be allowed to use it.
			templateOf(stack).HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
				"EnableKeyRotation": true,
				"KeyPolicy": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
					assertions.Match_ObjectLike(&map[string]any{"Principal": map[string]any{"Service": "logs." + p.Env.Region + ".amazonaws.com"}}),
				})}),
			})
			// Connections live in Secrets Manager, created by operators, not in the template.
			templateOf(stack).ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(0))
		})
	}
}

func TestAirflowExecutionRole(t *testing.T) {
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack, a := p.Airflow.Stack, p.Airflow
			role := logicalID(t, a.ExecutionRole)
			policy := logicalID(t, a.ExecutionPolicy)

			trust := resourcesOf(t, stack, "AWS::IAM::Role")[role].Properties["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
			require.Len(t, trust, 1)
			assert.ElementsMatch(t, []any{"airflow.amazonaws.com", "airflow-env.amazonaws.com"},
				trust[0].(map[string]any)["Principal"].(map[string]any)["Service"])
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": p.Env.Account}},
				trust[0].(map[string]any)["Condition"], "MWAA acting for this account only")
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{role, "Arn"}}, mwaaEnvironment(t, p).Properties["ExecutionRoleArn"])

			// The environment is created only after the policy is attached.
			assert.Contains(t, mwaaEnvironment(t, p).DependsOn, policy)

			// The role has exactly this one policy: nothing attached that the environment does not wait for.
			var attached []string
			for id, pol := range resourcesOf(t, stack, "AWS::IAM::Policy") {
				if slices.Contains(asStrings(pol.Properties["Roles"]), fmt.Sprintf(`{"Ref":%q}`, role)) {
					attached = append(attached, id)
				}
			}
			assert.Equal(t, []string{policy}, attached)
		})
	}
}

// policyStatement is one statement of a policy document, with Action and Resource normalized to lists.
// executionStatements are the execution role's statements by Sid: every one has a Sid, and
// all of them allow.
func executionStatements(t *testing.T, p *stacks.Platform) map[string]statement {
	t.Helper()
	out := map[string]statement{}
	for _, raw := range roleStatements(t, p.Airflow.Stack, logicalID(t, p.Airflow.ExecutionRole)) {
		s := normalizedStatement(t, raw)
		require.Equal(t, "Allow", s.Effect)
		require.NotEmpty(t, s.Sid)
		out[s.Sid] = s
	}
	return out
}

// accountLevelActions have no resource type in IAM: "*" is their only possible resource.
// dms:DescribeReplicationTasks supports no resource-level permission either (Service
// Authorization Reference, AWS DMS).
var accountLevelActions = []string{"s3:GetAccountPublicAccessBlock", "logs:DescribeLogGroups", "cloudwatch:PutMetricData", "dms:DescribeReplicationTasks"}

func TestAirflowExecutionPolicyIsScoped(t *testing.T) {
	scopedServices := regexp.MustCompile(`^(s3|glue|athena|secretsmanager|kms|sqs|sns|logs|airflow):`)
	for _, p := range withAirflow() {
		t.Run(p.Env.Name, func(t *testing.T) {
			e := p.Env
			statements := executionStatements(t, p)
			for _, s := range statements {
				for _, action := range s.Actions {
					assert.NotContains(t, action, ":*", "%s: whole-service action", s.Sid)
					if scopedServices.MatchString(action) && !slices.Contains(accountLevelActions, action) {
						assert.NotContains(t, s.Resources, "*", "%s: %s on every resource", s.Sid, action)
					}
				}
				if slices.ContainsFunc(s.Resources, func(r string) bool { return r == "*" }) {
					assert.Subset(t, accountLevelActions, s.Actions, "%s: only account-level actions may use *", s.Sid)
				}
			}

			arn := func(service, resource string) string {
				return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, e.Region, e.Account, resource)
			}
			var crawlers []string
			for _, family := range config.CrawlerFamilies {
				crawlers = append(crawlers, arn("glue", "crawler/"+e.CrawlerName(family)))
			}
			assert.ElementsMatch(t, crawlers, statements["RunBronzeCrawlers"].Resources)
			assert.ElementsMatch(t, []string{"glue:StartCrawler", "glue:GetCrawler"}, statements["RunBronzeCrawlers"].Actions)
			assert.Equal(t, []string{arn("athena", "workgroup/"+e.WorkgroupName(config.WorkgroupDbt))}, statements["QueryDbtWorkgroup"].Resources)
			assert.Equal(t, []string{arn("airflow", "environment/"+e.AirflowEnvironmentName())}, statements["PublishMetrics"].Resources)
			assert.Equal(t, []string{arn("logs", "log-group:airflow-"+e.AirflowEnvironmentName()+"-*")}, statements["WriteOwnLogs"].Resources)
			assert.Equal(t, []string{fmt.Sprintf("arn:aws:sqs:%s:*:airflow-celery-*", e.Region)}, statements["CeleryQueue"].Resources)

			// Bronze: write only, only under api/.
			bronze := statements["WriteBronzeAPI"]
			assert.ElementsMatch(t, []string{"s3:PutObject", "s3:AbortMultipartUpload"}, bronze.Actions)
			require.Len(t, bronze.Resources, 1)
			assert.True(t, strings.HasSuffix(bronze.Resources[0], "/"+config.BronzeAPIRoot+"*"), bronze.Resources[0])
			// Query results: only under the dbt workgroup's prefix of the results bucket.
			results := statements["WriteDbtQueryResults"]
			assert.ElementsMatch(t, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, results.Actions)
			require.Len(t, results.Resources, 1)
			assert.True(t, strings.HasSuffix(results.Resources[0], "/"+p.Analytics.Workgroups[config.WorkgroupDbt].ResultsPrefix+"*"), results.Resources[0])
			writers := []string{"WriteBronzeAPI", "WriteDbtQueryResults"}
			if e.Databricks.Enabled {
				// dbt on Athena: read silver, write gold, manage gold's Glue tables, and no more.
				// The DataLake stack's buckets, by the outputs their ARNs come through.
				silver := fmt.Sprintf(`${{"Fn::GetStackOutput":{"OutputName":"PublishOutputFnGetAtt%sArn`, logicalID(t, p.DataLake.Silver))
				gold := fmt.Sprintf(`${{"Fn::GetStackOutput":{"OutputName":"PublishOutputFnGetAtt%sArn`, logicalID(t, p.DataLake.Gold))
				goldDB := e.DatabaseName(config.LayerGold)
				within := func(resources []string, prefixes ...string) {
					t.Helper()
					require.Len(t, resources, len(prefixes))
					for _, prefix := range prefixes {
						assert.True(t, slices.ContainsFunc(resources, func(r string) bool { return strings.HasPrefix(r, prefix) }), "nothing in %s: %v", prefix, resources)
					}
				}
				assert.Equal(t, []string{"s3:GetObject"}, statements["DbtReadsSilver"].Actions)
				within(statements["DbtReadsSilver"].Resources, silver)
				assert.True(t, strings.HasSuffix(statements["DbtReadsSilver"].Resources[0], "}}}/*"))
				assert.ElementsMatch(t, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, statements["DbtWritesGold"].Actions)
				within(statements["DbtWritesGold"].Resources, gold)
				assert.True(t, strings.HasSuffix(statements["DbtWritesGold"].Resources[0], "}}}/*"))
				within(statements["DbtListsSilverAndGold"].Resources, silver, gold)
				assert.ElementsMatch(t, []string{arn("glue", "catalog"), arn("glue", "database/"+goldDB), arn("glue", "table/"+goldDB+"/*")},
					statements["DbtManagesGoldTables"].Resources)
				writers = append(writers, "DbtWritesGold")
			} else {
				assert.NotContains(t, statements, "DbtWritesGold", "no dbt where there is no silver")
			}
			for sid, s := range statements {
				if !slices.Contains(writers, sid) {
					for _, action := range s.Actions {
						assert.NotRegexp(t, `^s3:(Put|Delete)`, action, "%s writes to S3", sid)
					}
				}
				for _, action := range s.Actions {
					if regexp.MustCompile(`^glue:(Create|Update|Delete|BatchCreate|BatchDelete)`).MatchString(action) {
						assert.Equal(t, "DbtManagesGoldTables", sid, "%s changes the Glue catalog", sid)
					}
				}
			}

			// Secrets: only the connections under the environment's prefix, read only.
			assert.Equal(t, []string{arn("secretsmanager", "secret:"+e.AirflowConnectionsPrefix()+"/*")}, statements["ReadAirflowConnections"].Resources)
			assert.Equal(t, []string{"secretsmanager:GetSecretValue"}, statements["ReadAirflowConnections"].Actions)
			for sid, s := range statements {
				for _, action := range s.Actions {
					if strings.HasPrefix(action, "secretsmanager:") {
						assert.Contains(t, []string{"ReadAirflowConnections", "SmokeReadsCanarySecret"}, sid, "%s reads secrets", sid)
					}
				}
			}
			// Alerts: publish to the environment's topic, its key through SNS and by its alias.
			assert.Equal(t, []string{arn("sns", e.AlertTopicName())}, statements["PublishAlerts"].Resources)
			assert.Equal(t, map[string]any{"kms:ResourceAliases": "alias/" + e.AlertsKeyAlias()},
				statements["AlertsKeyViaSns"].Condition["ForAnyValue:StringEquals"])

			// Every KMS statement is limited to calls made through the named services.
			for sid, s := range statements {
				if strings.HasPrefix(s.Actions[0], "kms:") {
					require.Contains(t, s.Condition, "StringEquals", sid)
					assert.Contains(t, s.Condition["StringEquals"], "kms:ViaService", sid)
				}
			}
			assert.ElementsMatch(t, []any{"sqs." + e.Region + ".amazonaws.com", "s3." + e.Region + ".amazonaws.com"},
				statements["EnvironmentKeyViaSqsAndS3"].Condition["StringEquals"].(map[string]any)["kms:ViaService"])
		})
	}
}

// TestAirflowRequirementsMatchVersion checks that requirements.txt is pinned to the
// constraints of the Airflow version every environment runs.
func TestAirflowRequirementsMatchVersion(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "airflow", "requirements.txt"))
	require.NoError(t, err)
	constraint := regexp.MustCompile(`(?m)^--constraint "https://raw\.githubusercontent\.com/apache/airflow/constraints-([0-9.]+)/constraints-3\.12\.txt"$`)
	m := constraint.FindStringSubmatch(string(raw))
	require.NotNil(t, m, "requirements.txt needs a --constraint line")
	startup, err := os.ReadFile(filepath.Join("..", "airflow", "startup.sh"))
	require.NoError(t, err)
	files := map[string]struct {
		sum      [32]byte
		version  string
		property string
	}{
		"RequirementsSha256":  {sha256.Sum256(raw), "RequirementsS3ObjectVersion", "requirements.txt"},
		"StartupScriptSha256": {sha256.Sum256(startup), "StartupScriptS3ObjectVersion", "startup.sh"},
	}
	for _, p := range withAirflow() {
		assert.Equal(t, p.Env.Airflow.Version, m[1], "%s runs Airflow %s", p.Env.Name, p.Env.Airflow.Version)

		// The environment pins the deployed version of requirements.txt and of the startup
		// script, each read by a custom resource that CloudFormation calls again whenever the
		// file's hash changes.
		lookups := resourcesOf(t, p.Airflow.Stack, "Custom::AWS")
		require.Len(t, lookups, len(files))
		for id, lookup := range lookups {
			var matched bool
			for hash, f := range files {
				if lookup.Properties[hash] == nil {
					continue
				}
				matched = true
				assert.Equal(t, hex.EncodeToString(f.sum[:]), lookup.Properties[hash])
				assert.Contains(t, asStrings(lookup.Properties["Create"])[0], `\"Key\":\"`+f.property+`\"`)
				assert.Contains(t, asStrings(lookup.Properties["Create"])[0], `\"action\":\"headObject\"`)
				assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id, "VersionId"}}, mwaaEnvironment(t, p).Properties[f.version])
			}
			assert.True(t, matched, "%s reads no deployed file's version", id)
		}
	}
}

// template is the part of a synthesized template the tests read beyond Resources.
type template struct {
	Resources map[string]resource
	Outputs   map[string]struct{ Value any }
}

func readTemplate(t *testing.T, stack awscdk.Stack) template {
	t.Helper()
	raw, err := os.ReadFile(templatePath(stack))
	require.NoError(t, err)
	var tpl template
	require.NoError(t, json.Unmarshal(raw, &tpl))
	return tpl
}

// TestAirflowDagBundleHoldsOnlyWhatMWAARuns: dags/ is also the DAG tests' uv project, with
// its virtual environment, lock and tests; the asset MWAA receives holds the DAGs and their
// library only.
func TestAirflowDagBundleHoldsOnlyWhatMWAARuns(t *testing.T) {
	bundles, err := filepath.Glob(filepath.Join(suite.outdir, "asset.*", "api_ingestion.py"))
	require.NoError(t, err)
	require.NotEmpty(t, bundles, "no staged DAG asset")
	for _, dagFile := range bundles {
		var files []string
		root := filepath.Dir(dagFile)
		require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, path)
				files = append(files, rel)
			}
			return err
		}))
		assert.Contains(t, files, ".airflowignore")
		assert.Contains(t, files, "api_sources.json")
		assert.Contains(t, files, "smoke_plan.json")
		assert.Contains(t, files, filepath.Join("platform_lib", "settings.py"))
		for _, f := range files {
			assert.Regexp(t, `^(\.airflowignore|api_sources\.json|smoke_plan\.json|[a-z_]+\.py|platform_lib/[a-z_]+\.py)$`, f, "%s is shipped to MWAA", f)
		}
	}
}

// TestNoAirflowWhereMWAAIsOff: an environment with airflow.disabled has no Airflow stack, no
// smoke role in its account stage (the role only calls MWAA or its relay), no NAT gateway or
// Elastic IP, and no route out of its private subnets; staging and production keep MWAA.
func TestNoAirflowWhereMWAAIsOff(t *testing.T) {
	var on []string
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			require.Equal(t, p.Env.Airflow.Enabled(), p.Airflow != nil, "an Airflow stack exactly where MWAA is on")
			if p.Airflow != nil {
				on = append(on, p.Env.Name)
				return
			}
			for _, child := range *p.Stage.Node().Children() {
				assert.NotEqual(t, "Airflow", *child.Node().Id(), "no Airflow stack where MWAA is off")
			}
			assert.NotContains(t, rolesByName(t, accountOf(t, p.Env)), p.Env.GitHubRoleName("smoke"), "no smoke role where MWAA is off")
			assert.Empty(t, resourcesOf(t, p.Network.Stack, "AWS::EC2::NatGateway"))
			assert.Empty(t, resourcesOf(t, p.Network.Stack, "AWS::EC2::EIP"))
			for id, route := range resourcesOf(t, p.Network.Stack, "AWS::EC2::Route") {
				assert.NotContains(t, route.Properties, "NatGatewayId", id)
				assert.NotContains(t, id, stacks.PrivateSubnets, "%s: no route out of the private subnets", id)
			}
			for _, stack := range allStacks() {
				if *awscdk.Stage_Of(stack).StageName() == p.Env.Name {
					raw, err := os.ReadFile(templatePath(stack))
					require.NoError(t, err)
					assert.NotContains(t, string(raw), p.Env.AirflowEnvironmentName(), "%s names no MWAA environment", *stack.Node().Id())
				}
			}
		})
	}
	assert.Subset(t, on, []string{"staging", "production"}, "staging and production keep MWAA")
}
