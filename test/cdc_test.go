package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// endpoint returns the DMS endpoint of one type (source or target).
func endpoint(t *testing.T, p *stacks.Platform, endpointType string) resource {
	t.Helper()
	for _, e := range resourcesOf(t, p.Cdc.Stack, "AWS::DMS::Endpoint") {
		if e.Properties["EndpointType"] == endpointType {
			return e
		}
	}
	t.Fatalf("no %s endpoint", endpointType)
	return resource{}
}

func TestReplicationInstanceFollowsConfig(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			cdc := p.Env.Cdc
			_, instance := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::DMS::ReplicationInstance"))
			props := instance.Properties
			assert.Equal(t, false, props["PubliclyAccessible"])
			assert.Equal(t, cdc.InstanceClass, props["ReplicationInstanceClass"])
			assert.EqualValues(t, cdc.AllocatedStorageGiB, props["AllocatedStorage"])
			assert.Equal(t, cdc.MultiAZ, props["MultiAZ"])
			assert.Equal(t, cdc.EngineVersion, props["EngineVersion"])
			assert.Equal(t, p.Env.ReplicationInstanceIdentifier(), props["ReplicationInstanceIdentifier"])
			assert.Contains(t, outputName(props["KmsKeyId"]), *p.Database.Stack.StackName()+"/")
			assert.Contains(t, outputName(props["KmsKeyId"]), "Key")

			groupID, group := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::DMS::ReplicationSubnetGroup"))
			assert.Equal(t, map[string]any{"Ref": groupID}, props["ReplicationSubnetGroupIdentifier"])
			assertSubnetsOfTier(t, group.Properties["SubnetIds"], p.Env, stacks.PrivateSubnets)
		})
	}
}

// TestSourceEndpointReadsSecretOverTLS: credentials come from the database's secret through a
// role DMS assumes in this region, allowed to read that secret only; TLS is required.
func TestSourceEndpointReadsSecretOverTLS(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			source := endpoint(t, p, "source")
			assert.Equal(t, "postgres", source.Properties["EngineName"])
			assert.Equal(t, "require", source.Properties["SslMode"])
			assert.Equal(t, p.Env.Database.DatabaseName, source.Properties["DatabaseName"])
			for _, field := range []string{"Username", "Password", "ServerName", "Port"} {
				assert.NotContains(t, source.Properties, field, "credentials come from the secret only")
			}
			settings := source.Properties["PostgreSqlSettings"].(map[string]any)
			secretRef := outputName(settings["SecretsManagerSecretId"])
			assert.True(t, strings.HasPrefix(secretRef, *p.Database.Stack.StackName()+"/"), secretRef)
			assert.Contains(t, secretRef, "SecretAttachment")

			role := getAttID(settings["SecretsManagerAccessRoleArn"])
			templateOf(p.Cdc.Stack).HasResource(jsii.String("AWS::IAM::Role"), map[string]any{
				"Properties": map[string]any{"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{
					"Statement": []any{map[string]any{
						"Action": "sts:AssumeRole", "Effect": "Allow",
						"Principal": map[string]any{"Service": fmt.Sprintf("dms.%s.amazonaws.com", p.Env.Region)},
					}},
				})},
			})
			statements := roleStatements(t, p.Cdc.Stack, role)
			require.Len(t, statements, 2)
			read := statements[0]
			assert.Equal(t, []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}, read["Action"])
			assert.Equal(t, secretRef, outputName(read["Resource"]))
			decrypt := statements[1]
			assert.Equal(t, "kms:Decrypt", decrypt["Action"])
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + p.Env.Region + ".amazonaws.com"}},
				decrypt["Condition"])
		})
	}
}

func TestTargetEndpointWritesParquetToBronze(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			target := endpoint(t, p, "target")
			assert.Equal(t, "s3", target.Properties["EngineName"])
			s3 := target.Properties["S3Settings"].(map[string]any)
			lake := *p.DataLake.Stack.StackName() + "/"
			assert.Contains(t, outputName(s3["BucketName"]), lake+"PublishOutputRefBronzeBucket")
			assert.Equal(t, strings.TrimSuffix(config.BronzeRDSPrefix, "/"), s3["BucketFolder"])
			assert.Equal(t, "parquet", s3["DataFormat"])
			assert.Equal(t, p.Env.Cdc.TimestampColumnName, s3["TimestampColumnName"])
			assert.Equal(t, true, s3["IncludeOpForFullLoad"])
			assert.Equal(t, false, s3["DatePartitionEnabled"], "full load and changes in one folder per table, which every reader sees whole")
			assert.NotContains(t, s3, "DatePartitionSequence")
			assert.Equal(t, "SSE_KMS", s3["EncryptionMode"])
			assert.Contains(t, outputName(s3["ServerSideEncryptionKmsKeyId"]), lake+"PublishOutputFnGetAttDataKey")
			assert.Equal(t, p.Env.Account, s3["ExpectedBucketOwner"])
			assert.NotContains(t, s3, "CdcInsertsOnly", "deletes must reach bronze too")

			// The role may write and list only under rds/, and use only the data key.
			statements := roleStatements(t, p.Cdc.Stack, getAttID(s3["ServiceAccessRoleArn"]))
			require.Len(t, statements, 3)
			write, listing, kms := statements[0], statements[1], statements[2]
			// DMS's documented policy: ListBucket on the bucket, with no prefix condition.
			assert.NotContains(t, listing, "Condition")
			assert.ElementsMatch(t, []any{"s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"}, write["Action"])
			joined := write["Resource"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
			assert.Contains(t, outputName(joined[0]), lake+"PublishOutputFnGetAttBronzeBucket")
			assert.Equal(t, "/"+config.BronzeRDSPrefix+"*", joined[1])
			assert.Equal(t, "s3:ListBucket", listing["Action"])
			assert.ElementsMatch(t, []any{"kms:GenerateDataKey", "kms:Decrypt"}, kms["Action"])
			assert.Equal(t, outputName(s3["ServerSideEncryptionKmsKeyId"]), outputName(kms["Resource"]))
			// ... and that key only through S3, for bronze: it encrypts silver and gold too.
			assert.Equal(t, map[string]any{"kms:ViaService": "s3." + p.Env.Region + ".amazonaws.com"}, kms["Condition"].(map[string]any)["StringEquals"])
			contexts := kms["Condition"].(map[string]any)["StringLike"].(map[string]any)["kms:EncryptionContext:aws:s3:arn"].([]any)
			require.Len(t, contexts, 2)
			assert.Contains(t, outputName(contexts[0]), lake+"PublishOutputFnGetAttBronzeBucket")
		})
	}
}

// TestReplicationTaskMappingsFromConfig decodes the task's table mappings and compares them,
// rule by rule, with the selectors in config: includes, then excludes.
func TestReplicationTaskMappingsFromConfig(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			_, task := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::DMS::ReplicationTask"))
			assert.Equal(t, "full-load-and-cdc", task.Properties["MigrationType"])
			assert.Equal(t, map[string]any{"Ref": "ReplicationInstance"}, task.Properties["ReplicationInstanceArn"])

			var mappings struct {
				Rules []map[string]any `json:"rules"`
			}
			require.NoError(t, json.Unmarshal([]byte(task.Properties["TableMappings"].(string)), &mappings))
			var want []map[string]any
			schemas := map[string]bool{}
			for action, selectors := range map[string][]config.TableSelector{"include": p.Env.Cdc.Include, "exclude": p.Env.Cdc.Exclude} {
				for _, s := range selectors {
					want = append(want, map[string]any{"rule-action": action, "schema-name": s.Schema, "table-name": s.Table})
					if action == "include" && !schemas[s.Schema] {
						// DMS's heartbeat and DDL-capture tables live in each captured schema.
						schemas[s.Schema] = true
						want = append(want, map[string]any{"rule-action": "exclude", "schema-name": s.Schema, "table-name": "awsdms_%"})
					}
				}
			}
			var got []map[string]any
			ids := map[any]bool{}
			var transformations []map[string]any
			for _, r := range mappings.Rules {
				ids[r["rule-id"]] = true
				if r["rule-type"] == "transformation" {
					transformations = append(transformations, r)
					continue
				}
				assert.Equal(t, "selection", r["rule-type"])
				locator := r["object-locator"].(map[string]any)
				got = append(got, map[string]any{"rule-action": r["rule-action"], "schema-name": locator["schema-name"], "table-name": locator["table-name"]})
			}
			assert.ElementsMatch(t, want, got)
			// Every row carries the change sequence that orders changes of one commit time.
			require.Len(t, transformations, 1)
			assert.Equal(t, "add-column", transformations[0]["rule-action"])
			assert.Equal(t, config.BronzeCDCSequenceColumn, transformations[0]["value"])
			assert.Equal(t, "$AR_H_CHANGE_SEQ", transformations[0]["expression"])
			assert.Equal(t, map[string]any{"schema-name": "%", "table-name": "%"}, transformations[0]["object-locator"])
			assert.Len(t, ids, len(mappings.Rules), "rule IDs must be unique")
			require.NotEmpty(t, mappings.Rules)
			assert.Equal(t, "include", mappings.Rules[0]["rule-action"], "includes come first")

			var settings map[string]any
			require.NoError(t, json.Unmarshal([]byte(task.Properties["ReplicationTaskSettings"].(string)), &settings))
			assert.Equal(t, true, settings["Logging"].(map[string]any)["EnableLogging"])
		})
	}
}

// dmsContract is the part of the DMS contract (jobs/tests/contracts/dms.yaml: what DMS writes
// to bronze, as AWS documents it, against which the jobs' fixtures are tested) that the stack
// must configure.
type dmsContract struct {
	Lob struct {
		Mode                     string `yaml:"mode"`
		SupportLobs              bool   `yaml:"support_lobs"`
		FullLobMode              bool   `yaml:"full_lob_mode"`
		LimitedSizeLobMode       bool   `yaml:"limited_size_lob_mode"`
		LobMaxSizeKB             int    `yaml:"lob_max_size_kb"`
		FailTasksOnLobTruncation bool   `yaml:"fail_tasks_on_lob_truncation"`
	} `yaml:"lob"`
	Columns struct {
		CommitTime struct {
			Format string `yaml:"format"`
		} `yaml:"commit_time"`
	} `yaml:"columns"`
}

func readDmsContract(t *testing.T) dmsContract {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "jobs", "tests", "contracts", "dms.yaml"))
	require.NoError(t, err)
	var c dmsContract
	require.NoError(t, yaml.Unmarshal(raw, &c))
	require.Equal(t, "limited", c.Lob.Mode, "the contract's LOB mode")
	require.Positive(t, c.Lob.LobMaxSizeKB, "the contract states the LOB size")
	return c
}

// TestReplicationTaskLobModeFollowsTheContract: text columns are LOBs (NCLOB) to DMS ("| TEXT |
// NCLOB |", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.PostgreSQL.html, "Source
// data types for PostgreSQL"). The task replicates them in limited LOB mode at the contract's size
// and the source endpoint fails the task on a longer value, so nothing is truncated silently.
func TestReplicationTaskLobModeFollowsTheContract(t *testing.T) {
	contract := readDmsContract(t)
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			_, task := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::DMS::ReplicationTask"))
			var settings struct {
				TargetMetadata map[string]any `json:"TargetMetadata"`
			}
			require.NoError(t, json.Unmarshal([]byte(task.Properties["ReplicationTaskSettings"].(string)), &settings))
			lob := settings.TargetMetadata
			// "If you set SupportLobs=true, you must set one of the following to true: FullLobMode
			// ... LimitedSizeLobMode – If you set this option to true, then you must enter a value
			// for the LobMaxSize option. Enter the maximum size, in kilobytes, for an individual LOB."
			// (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TaskSettings.TargetMetadata.html)
			assert.Equal(t, contract.Lob.SupportLobs, lob["SupportLobs"])
			assert.Equal(t, true, lob["SupportLobs"])
			// "Full LOB mode is not supported." (S3 target limitations,
			// https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html#CHAP_Target.S3.Limitations)
			assert.Equal(t, contract.Lob.FullLobMode, lob["FullLobMode"])
			assert.Equal(t, false, lob["FullLobMode"])
			assert.Equal(t, contract.Lob.LimitedSizeLobMode, lob["LimitedSizeLobMode"])
			assert.Equal(t, true, lob["LimitedSizeLobMode"])
			assert.EqualValues(t, contract.Lob.LobMaxSizeKB, lob["LobMaxSize"], "LobMaxSize (KB) is the contract's lob_max_size_kb")
			assert.NotContains(t, lob, "InlineLobMaxSize", "DMS doesn't support inline LOB mode for endpoints that don't support Full LOB mode, like S3")

			// "When set to true, this value causes a task to fail if the actual size of a LOB column
			// is greater than the specified LobMaxSize. ... If task is set to Limited LOB mode and
			// this option is set to true, the task fails instead of truncating the LOB data."
			// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dms-endpoint-postgresqlsettings.html)
			source := endpoint(t, p, "source").Properties["PostgreSqlSettings"].(map[string]any)
			assert.Equal(t, contract.Lob.FailTasksOnLobTruncation, source["FailTasksOnLobTruncation"])
			assert.Equal(t, true, source["FailTasksOnLobTruncation"])
		})
	}
}

// TestTargetEndpointWritesTheContractsColumns: the S3 target settings the DMS contract's columns
// rest on.
func TestTargetEndpointWritesTheContractsColumns(t *testing.T) {
	contract := readDmsContract(t)
	// TimestampColumnName: "The string format for this timestamp column value is
	// yyyy-MM-dd HH:mm:ss.SSSSSS" (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html).
	assert.Equal(t, "yyyy-MM-dd HH:mm:ss.SSSSSS", contract.Columns.CommitTime.Format)
	for _, v := range config.DmsVersions {
		// IncludeOpForFullLoad: "DMS supports the use of the .parquet files with the
		// IncludeOpForFullLoad parameter in versions 3.4.7 and later."
		// (https://docs.aws.amazon.com/dms/latest/APIReference/API_S3Settings.html)
		assert.True(t, versionAtLeast(v, 3, 4, 7), "DMS %s writes no Op on a Parquet full load", v)
	}
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			s3 := endpoint(t, p, "target").Properties["S3Settings"].(map[string]any)
			assert.Equal(t, "parquet", s3["DataFormat"])
			assert.Equal(t, true, s3["IncludeOpForFullLoad"])
			assert.NotEmpty(t, s3["TimestampColumnName"])
			// ParquetTimestampInMillisecond: "Otherwise, DMS writes them with microsecond
			// precision": the contract's timestamps are microseconds, so the setting stays unset.
			assert.NotContains(t, s3, "ParquetTimestampInMillisecond")
			assert.NotContains(t, s3, "CdcInsertsOnly", "a CDC load's first field holds I, U or D only with CdcInsertsOnly false")
			assert.NotContains(t, s3, "CdcInsertsAndUpdates", "deletes must reach bronze")
		})
	}
}

// versionAtLeast reports whether a dotted version (3.5.4) is at least major.minor.patch.
func versionAtLeast(version string, want ...int) bool {
	var got [3]int
	_, err := fmt.Sscanf(version, "%d.%d.%d", &got[0], &got[1], &got[2])
	if err != nil {
		return false
	}
	for i, w := range want {
		if got[i] != w {
			return got[i] > w
		}
	}
	return true
}

func TestReplicationTaskLogGroupAndOutput(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			id, group := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::Logs::LogGroup"))
			assert.Equal(t, p.Env.DmsTaskLogGroupName(), group.Properties["LogGroupName"])
			assert.EqualValues(t, p.Env.Cdc.LogRetentionDays, group.Properties["RetentionInDays"])
			assert.NotEmpty(t, outputName(group.Properties["KmsKeyId"]))
			_, task := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::DMS::ReplicationTask"))
			assert.Contains(t, task.DependsOn, id)
			templateOf(p.Cdc.Stack).HasOutput(jsii.String("ReplicationTaskArn"), map[string]any{
				"Value": map[string]any{"Ref": "ReplicationTask"},
			})
		})
	}
}

// TestReplicationSecurityGroupEgress: the replication instance reaches the database port, S3
// through its prefix list and the Secrets Manager endpoint, nothing else, and admits nothing.
func TestReplicationSecurityGroupEgress(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			sg := logicalID(t, p.Cdc.SecurityGroup)
			assert.NotContains(t, resourcesOf(t, p.Cdc.Stack, "AWS::EC2::SecurityGroup")[sg].Properties, "SecurityGroupIngress")
			assert.ElementsMatch(t, []string{
				fmt.Sprint("database:", stacks.DatabasePort),
				"secrets manager endpoint:443",
				"s3 prefix list:443",
			}, egressOf(t, p, p.Cdc.Stack, sg))
		})
	}
}

// egressOf names where a security group may connect, one "<peer>:<port>" per rule: the
// database, the Secrets Manager endpoint, the S3 prefix list, or the raw destination.
func egressOf(t *testing.T, p *stacks.Platform, stack awscdk.Stack, group string) []string {
	t.Helper()
	rules, _ := resourcesOf(t, stack, "AWS::EC2::SecurityGroup")[group].Properties["SecurityGroupEgress"].([]any)
	for _, e := range resourcesOf(t, stack, "AWS::EC2::SecurityGroupEgress") {
		if getAttID(e.Properties["GroupId"]) == group {
			rules = append(rules, e.Properties)
		}
	}
	database, endpoint := logicalID(t, p.Database.SecurityGroup), logicalID(t, (*p.Network.SecretsManager.Connections().SecurityGroups())[0])
	var to []string
	for _, r := range rules {
		rule := r.(map[string]any)
		destination := outputName(rule["DestinationSecurityGroupId"])
		if destination == "" {
			destination = getAttID(rule["DestinationSecurityGroupId"])
		}
		port := fmt.Sprint(rule["FromPort"])
		if isDatabasePort(rule["FromPort"]) {
			port = fmt.Sprint(stacks.DatabasePort)
		}
		switch {
		case rule["DestinationPrefixListId"] == p.Env.Network.S3PrefixListID:
			destination = "s3 prefix list"
		case strings.Contains(destination, database) && (stack == p.Database.Stack || strings.HasPrefix(destination, *p.Database.Stack.StackName()+"/")):
			destination = "database"
		case strings.HasPrefix(destination, *p.Network.Stack.StackName()+"/") && strings.Contains(destination, endpoint):
			destination = "secrets manager endpoint"
		case rule["CidrIp"] != nil:
			destination = fmt.Sprint(rule["CidrIp"])
		}
		to = append(to, destination+":"+port)
	}
	return to
}

// TestOneDmsVpcRolePerAccount builds two environments that share one AWS account and expects
// the account-wide DMS roles exactly once across every stack of the app.
func TestOneDmsVpcRolePerAccount(t *testing.T) {
	app, err := newApp(t.TempDir())
	require.NoError(t, err)
	first, second := config.All()[0], config.All()[0]
	second.Name, second.Network.CIDR = "develop2", "10.11.0.0/16"
	// Environments that share an account tell their budgets apart by the environment tag.
	second.Tags[config.EnvironmentTag] = second.Name
	_, accounts, err := stacks.Build(app, []config.Environment{first, second}, "")
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	assembly := app.Synth(nil)

	// Every stage is a nested assembly of the app's; count named roles and DMS subnet groups.
	roles, subnetGroups := map[string]int{}, 0
	for _, nested := range *assembly.NestedAssemblies() {
		for _, stack := range *nested.NestedAssembly().Stacks() {
			resources, _ := stack.Template().(map[string]any)["Resources"].(map[string]any)
			for _, r := range resources {
				r := r.(map[string]any)
				switch r["Type"] {
				case "AWS::IAM::Role":
					if name, ok := r["Properties"].(map[string]any)["RoleName"].(string); ok {
						roles[name]++
					}
				case "AWS::DMS::ReplicationSubnetGroup":
					subnetGroups++
				}
			}
		}
	}
	assert.Equal(t, 2, subnetGroups, "both environments must have built their DMS resources")
	assert.Equal(t, 1, roles[stacks.DmsVpcRoleName], "%v", roles)
	assert.Equal(t, 1, roles[stacks.DmsCloudWatchLogsRoleName], "%v", roles)
}

// TestDmsRolesTrustOnlyThisAccount: DMS may assume the endpoint roles only when acting for this
// account (confused-deputy protection).
func TestDmsRolesTrustOnlyThisAccount(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			roles := resourcesOf(t, p.Cdc.Stack, "AWS::IAM::Role")
			trusted := 0
			for id, role := range roles {
				trust := role.Properties["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
				for _, st := range trust {
					st := st.(map[string]any)
					service, _ := st["Principal"].(map[string]any)["Service"].(string)
					if !strings.HasPrefix(service, "dms.") {
						continue
					}
					trusted++
					assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": p.Env.Account}}, st["Condition"], id)
				}
			}
			assert.Equal(t, 2, trusted, "the source secret role and the target role")
		})
	}
}

// TestCdcWaitsForTheAccountRoles: the DMS subnet group imports the account stack's export, so
// CloudFormation creates no Cdc stack before the account-wide DMS roles exist (another stage,
// which CDK cannot order).
func TestCdcWaitsForTheAccountRoles(t *testing.T) {
	for _, a := range suite.accounts {
		out, ok := outputsOf(t, a.Stack)["DmsVpcRoleArn"]
		require.True(t, ok, "account %s exports no DMS role", *a.Stack.Account())
		assert.Equal(t, map[string]any{"Name": stacks.DmsRolesExport}, out["Export"])
		assert.Equal(t, getAtt(logicalID(t, a.DmsVpcRole), "Arn"), out["Value"])
	}
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			_, group := only(t, resourcesOf(t, p.Cdc.Stack, "AWS::DMS::ReplicationSubnetGroup"))
			assert.Contains(t, group.Properties["Tags"], map[string]any{
				"Key": stacks.DmsVpcRoleName, "Value": map[string]any{"Fn::ImportValue": stacks.DmsRolesExport},
			})
		})
	}
}
