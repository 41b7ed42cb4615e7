package test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// getAttID is the logical ID in {"Fn::GetAtt": [id, attr]}, or "".
func getAttID(v any) string {
	if m, ok := v.(map[string]any); ok {
		if ga, ok := m["Fn::GetAtt"].([]any); ok {
			return fmt.Sprint(ga[0])
		}
	}
	return ""
}

func TestDatabaseInstanceFollowsConfig(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			db := p.Env.Database
			_, instance := only(t, resourcesOf(t, p.Database.Stack, "AWS::RDS::DBInstance"))
			keyID, _ := only(t, resourcesOfKey(t, p.Database.Stack, "Encrypts the source database"))
			props := instance.Properties
			assert.Equal(t, false, props["PubliclyAccessible"])
			assert.Equal(t, true, props["StorageEncrypted"])
			assert.Equal(t, keyID, getAttID(props["KmsKeyId"]))
			assert.Equal(t, "postgres", props["Engine"])
			assert.Equal(t, db.EngineVersion, props["EngineVersion"])
			assert.Equal(t, db.InstanceClass, props["DBInstanceClass"])
			assert.Equal(t, strconv.Itoa(db.AllocatedStorageGiB), props["AllocatedStorage"])
			assert.EqualValues(t, db.MaxAllocatedStorageGiB, props["MaxAllocatedStorage"])
			assert.Equal(t, db.MultiAZ, props["MultiAZ"])
			assert.EqualValues(t, db.BackupRetentionDays, props["BackupRetentionPeriod"])
			assert.Equal(t, db.DeletionProtection, props["DeletionProtection"])
			assert.Equal(t, db.IAMAuthentication, props["EnableIAMDatabaseAuthentication"])
			assert.Equal(t, db.DatabaseName, props["DBName"])
			assert.Equal(t, strconv.Itoa(stacks.DatabasePort), props["Port"])
			assert.Equal(t, p.Env.DatabaseInstanceIdentifier(), props["DBInstanceIdentifier"])
			assert.ElementsMatch(t, db.LogExports, props["EnableCloudwatchLogsExports"])
			if db.PerformanceInsightsRetentionDays > 0 {
				assert.Equal(t, true, props["EnablePerformanceInsights"])
				assert.Equal(t, keyID, getAttID(props["PerformanceInsightsKMSKeyId"]))
				assert.EqualValues(t, db.PerformanceInsightsRetentionDays, props["PerformanceInsightsRetentionPeriod"])
			} else {
				assert.Nil(t, props["EnablePerformanceInsights"])
			}
			if db.MonitoringIntervalSeconds > 0 {
				assert.EqualValues(t, db.MonitoringIntervalSeconds, props["MonitoringInterval"])
			} else {
				assert.Nil(t, props["MonitoringInterval"])
			}
		})
	}
}

// resourcesOfKey returns the KMS keys whose description starts with prefix.
func resourcesOfKey(t *testing.T, stack awscdk.Stack, prefix string) map[string]resource {
	t.Helper()
	out := map[string]resource{}
	for id, k := range resourcesOf(t, stack, "AWS::KMS::Key") {
		if strings.HasPrefix(fmt.Sprint(k.Properties["Description"]), prefix) {
			assert.Equal(t, true, k.Properties["EnableKeyRotation"], id)
			out[id] = k
		}
	}
	return out
}

func TestDatabaseInIsolatedSubnets(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			_, group := only(t, resourcesOf(t, p.Database.Stack, "AWS::RDS::DBSubnetGroup"))
			assertSubnetsOfTier(t, group.Properties["SubnetIds"], p.Env, stacks.IsolatedSubnets)
		})
	}
}

// TestDatabaseRemovalPerEnvironment: a destroyed environment deletes the database; a retained
// one leaves a final snapshot and keeps the secret that opens it.
func TestDatabaseRemovalPerEnvironment(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			want, wantSecret := "Snapshot", "Retain"
			if p.Env.Removal == config.RemovalDestroy {
				want, wantSecret = "Delete", "Delete"
			}
			_, instance := only(t, resourcesOf(t, p.Database.Stack, "AWS::RDS::DBInstance"))
			assert.Equal(t, want, instance.DeletionPolicy)
			assert.Equal(t, want, instance.UpdateReplacePolicy)
			for id, secret := range resourcesOf(t, p.Database.Stack, "AWS::SecretsManager::Secret") {
				assert.Equal(t, wantSecret, secret.DeletionPolicy, id)
			}
		})
	}
}

func TestDatabaseParameterGroupEnablesLogicalReplication(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			db := p.Env.Database
			id, group := only(t, resourcesOf(t, p.Database.Stack, "AWS::RDS::DBParameterGroup"))
			assert.Equal(t, "postgres"+db.Major(), group.Properties["Family"])
			assert.Equal(t, map[string]any{
				"rds.logical_replication": "1",
				"rds.force_ssl":           "1",
				"max_replication_slots":   strconv.Itoa(db.MaxReplicationSlots),
				"max_wal_senders":         strconv.Itoa(db.MaxWalSenders),
			}, group.Properties["Parameters"])
			assert.GreaterOrEqual(t, db.MaxReplicationSlots, config.ReplicationTasks+2)
			_, instance := only(t, resourcesOf(t, p.Database.Stack, "AWS::RDS::DBInstance"))
			assert.Equal(t, map[string]any{"Ref": id}, instance.Properties["DBParameterGroupName"])
		})
	}
}

func TestDatabaseSecretGeneratedEncryptedAndRotated(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			keyID, _ := only(t, resourcesOfKey(t, p.Database.Stack, "Encrypts the source database"))
			_, secret := only(t, notSmoke(resourcesOf(t, p.Database.Stack, "AWS::SecretsManager::Secret")))
			assert.Equal(t, keyID, getAttID(secret.Properties["KmsKeyId"]))
			assert.Contains(t, secret.Properties, "GenerateSecretString")
			assert.NotContains(t, secret.Properties, "SecretString", "the password must never be in the template")
			_, schedule := only(t, notSmoke(resourcesOf(t, p.Database.Stack, "AWS::SecretsManager::RotationSchedule")))
			assert.Equal(t, map[string]any{"ScheduleExpression": fmt.Sprintf("rate(%d days)", p.Env.Database.SecretRotationDays)},
				schedule.Properties["RotationRules"])
		})
	}
}

// TestDatabaseLogGroupsEncryptedWithRetention: the groups RDS exports to exist before the
// instance, named as RDS names them, KMS-encrypted and expiring.
func TestDatabaseLogGroupsEncryptedWithRetention(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			groups := resourcesOf(t, p.Database.Stack, "AWS::Logs::LogGroup")
			var names []any
			for _, g := range groups {
				names = append(names, g.Properties["LogGroupName"])
				assert.EqualValues(t, p.Env.Database.LogRetentionDays, g.Properties["RetentionInDays"])
				assert.NotEmpty(t, getAttID(g.Properties["KmsKeyId"]))
			}
			var want []any
			for _, logType := range p.Env.Database.LogExports {
				want = append(want, p.Env.DatabaseLogGroupName(logType))
			}
			assert.ElementsMatch(t, want, names)
			_, instance := only(t, resourcesOf(t, p.Database.Stack, "AWS::RDS::DBInstance"))
			for id := range groups {
				assert.Contains(t, instance.DependsOn, id)
			}
		})
	}
}

// TestDatabaseIngressOnlyFromDms collects every ingress rule on the database's security group,
// wherever it is defined (the Cdc stack owns the DMS rule), and expects exactly: the DMS
// replication instance's group, the rotation Lambda's group and what config lists.
func TestDatabaseIngressOnlyFromDms(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			dbStack := *p.Database.Stack.StackName()
			dbSG, sg := "", resource{}
			for id, r := range resourcesOf(t, p.Database.Stack, "AWS::EC2::SecurityGroup") {
				if strings.HasPrefix(fmt.Sprint(r.Properties["GroupDescription"]), "PostgreSQL source database") {
					dbSG, sg = id, r
				}
			}
			require.NotEmpty(t, dbSG)
			inline, _ := sg.Properties["SecurityGroupIngress"].([]any)
			var cidrs []any
			for _, rule := range inline {
				cidrs = append(cidrs, rule.(map[string]any)["CidrIp"])
			}
			assert.ElementsMatch(t, toAny(p.Env.Database.AllowedCIDRs), cidrs)

			var sources []string
			collect := func(stack awscdk.Stack, isDBGroup func(any) bool) {
				for _, rule := range resourcesOf(t, stack, "AWS::EC2::SecurityGroupIngress") {
					if !isDBGroup(rule.Properties["GroupId"]) {
						continue
					}
					assert.True(t, isDatabasePort(rule.Properties["FromPort"]), "%v", rule.Properties["FromPort"])
					assert.True(t, isDatabasePort(rule.Properties["ToPort"]), "%v", rule.Properties["ToPort"])
					sources = append(sources, *stack.Node().Id()+"/"+getAttID(rule.Properties["SourceSecurityGroupId"]))
				}
			}
			collect(p.Database.Stack, func(g any) bool { return getAttID(g) == dbSG })
			collect(p.Cdc.Stack, func(g any) bool {
				return strings.HasPrefix(outputName(g), dbStack+"/") && strings.Contains(outputName(g), dbSG)
			})
			dmsSG := *p.Cdc.Stack.GetLogicalId(p.Cdc.SecurityGroup.Node().DefaultChild().(awscdk.CfnElement))
			require.Len(t, sources, 2+len(p.Env.Database.AllowedSecurityGroupIDs), "%v", sources)
			assert.Contains(t, sources, "Cdc/"+dmsSG)
			assert.Contains(t, sources, "Database/"+rotationSecurityGroup(t, p))
		})
	}
}

// TestRotationSecurityGroupEgress: the rotation Lambda reaches the database port and the
// Secrets Manager endpoint, and nothing else (no NAT path to the internet).
func TestRotationSecurityGroupEgress(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			assert.ElementsMatch(t, []string{fmt.Sprint("database:", stacks.DatabasePort), "secrets manager endpoint:443"},
				egressOf(t, p, p.Database.Stack, rotationSecurityGroup(t, p)))
		})
	}
}

// TestRotationCallsSecretsManagerByItsDefaultName: the rotation Lambda is given Secrets
// Manager's default regional name, which the endpoint's private DNS resolves to the endpoint
// (TestEveryVpcCallerReachesWhatItCalls checks the rotation's group reaches it). CDK's
// RotationSingleUserOptions.endpoint
// (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_rds.RotationSingleUserOptions.html):
// "If you enable private DNS hostnames for your VPC private endpoint (the default), you don't
// need to specify an endpoint. The standard Secrets Manager DNS hostname the Secrets Manager
// CLI and SDKs use by default (https://secretsmanager.<region>.amazonaws.com) automatically
// resolves to your VPC endpoint." Given an endpoint, CDK builds
// https://<vpce-id>.secretsmanager.<region>.<suffix>, which is not one of the endpoint's DNS
// names.
func TestRotationCallsSecretsManagerByItsDefaultName(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			rotations := resourcesOf(t, p.Database.Stack, "AWS::Serverless::Application")
			require.NotEmpty(t, rotations)
			for id, rotation := range rotations {
				params, _ := rotation.Properties["Parameters"].(map[string]any)
				got := strings.ReplaceAll(renderLiterals(params["endpoint"]), jsonText(ref("AWS::URLSuffix")), "amazonaws.com")
				assert.Equal(t, "https://secretsmanager."+p.Env.Region+".amazonaws.com", got, id)
			}
		})
	}
}

// isDatabasePort accepts the port as a number or as the instance's Endpoint.Port attribute
// (which the rotation's rule uses, and which is stacks.DatabasePort, asserted elsewhere).
func isDatabasePort(v any) bool {
	if m, ok := v.(map[string]any); ok {
		ga, ok := m["Fn::GetAtt"].([]any)
		return ok && len(ga) == 2 && ga[1] == "Endpoint.Port"
	}
	return v == float64(stacks.DatabasePort)
}

func rotationSecurityGroup(t *testing.T, p *stacks.Platform) string {
	return logicalID(t, p.Database.RotationSecurityGroup)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// notSmoke leaves out the canary role's resources (logical IDs SmokeSecret...), which
// TestSmokeSecret checks.
func notSmoke(resources map[string]resource) map[string]resource {
	out := map[string]resource{}
	for id, r := range resources {
		if !strings.HasPrefix(id, "SmokeSecret") {
			out[id] = r
		}
	}
	return out
}
