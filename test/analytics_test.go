package test

import (
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAthenaResultsBucket(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			buckets := resourcesOf(t, p.Analytics.Stack, "AWS::S3::Bucket")
			require.Len(t, buckets, 1)
			for id, b := range buckets {
				assert.Equal(t, p.Env.BucketName(config.BucketAthenaResults), b.Properties["BucketName"])
				assert.Equal(t, deletionPolicyOf(p.Env), b.DeletionPolicy, "%s removal", id)
				assert.Equal(t, map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				}, b.Properties["PublicAccessBlockConfiguration"])
				assert.Contains(t, ruleIDs(b), "abort-incomplete-multipart-uploads")
			}
			templateOf(p.Analytics.Stack).HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
					"BucketKeyEnabled":              true,
					"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": assertions.Match_AnyValue()},
				}}},
				"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Id": "expire-results", "Status": "Enabled", "ExpirationInDays": p.Env.Analytics.ResultsExpirationDays},
				})},
				"LoggingConfiguration": map[string]any{"DestinationBucketName": assertions.Match_AnyValue(), "LogFilePrefix": config.BucketAthenaResults + "/"},
			})
			_, policy := only(t, resourcesOf(t, p.Analytics.Stack, "AWS::S3::BucketPolicy"))
			assert.Contains(t, jsonText(policy.Properties), `"aws:SecureTransport":"false"`, "the results bucket must deny non-TLS")
			for _, b := range buckets {
				sse := b.Properties["BucketEncryption"].(map[string]any)["ServerSideEncryptionConfiguration"].([]any)[0]
				key := sse.(map[string]any)["ServerSideEncryptionByDefault"].(map[string]any)["KMSMasterKeyID"]
				assert.Contains(t, outputName(key), *p.DataLake.Stack.StackName()+"/PublishOutputFnGetAttDataKey", "results use the data-lake key")
			}
		})
	}
}

func TestAthenaWorkgroups(t *testing.T) {
	for _, p := range suite.platforms {
		workgroups := resourcesOf(t, p.Analytics.Stack, "AWS::Athena::WorkGroup")
		require.Len(t, workgroups, len(config.Workgroups))
		byName := map[string]resource{}
		for _, wg := range workgroups {
			byName[wg.Properties["Name"].(string)] = wg
		}
		for _, audience := range config.Workgroups {
			t.Run(p.Env.Name+"/"+audience, func(t *testing.T) {
				name := p.Env.WorkgroupName(audience)
				wg, ok := byName[name]
				require.True(t, ok, "workgroup %s", name)
				assert.Equal(t, name, p.Analytics.Workgroups[audience].Name)
				assert.Equal(t, deletionPolicyOf(p.Env), wg.DeletionPolicy)
				assert.Equal(t, p.Env.Removal == config.RemovalDestroy, wg.Properties["RecursiveDeleteOption"],
					"only a destroy environment deletes a workgroup's saved queries with it")

				cfg := wg.Properties["WorkGroupConfiguration"].(map[string]any)
				assert.Equal(t, true, cfg["EnforceWorkGroupConfiguration"])
				assert.Equal(t, true, cfg["PublishCloudWatchMetricsEnabled"])
				assert.Equal(t, map[string]any{"SelectedEngineVersion": "Athena engine version 3"}, cfg["EngineVersion"])
				assert.EqualValues(t, p.Env.Analytics.Workgroups[audience].BytesScannedCutoffPerQuery, cfg["BytesScannedCutoffPerQuery"])
				assert.GreaterOrEqual(t, cfg["BytesScannedCutoffPerQuery"], float64(config.MinBytesScannedCutoff))

				results := cfg["ResultConfiguration"].(map[string]any)
				assert.Equal(t, "s3://"+p.Env.BucketName(config.BucketAthenaResults)+"/"+config.WorkgroupResultsPrefix(audience), results["OutputLocation"])
				assert.Equal(t, p.Env.Account, results["ExpectedBucketOwner"])
				encryption := results["EncryptionConfiguration"].(map[string]any)
				assert.Equal(t, "SSE_KMS", encryption["EncryptionOption"])
				assert.NotEmpty(t, encryption["KmsKey"])
			})
		}
	}
}

func TestNamedQueriesShowTheLayers(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			queries := resourcesOf(t, p.Analytics.Stack, "AWS::Athena::NamedQuery")
			require.GreaterOrEqual(t, len(queries), 3)
			analysts := logicalID(t, p.Analytics.Workgroups[config.WorkgroupAnalysts].Resource)
			databases := map[string]bool{}
			var all strings.Builder
			for id, q := range queries {
				db := q.Properties["Database"].(string)
				databases[db] = true
				sql := q.Properties["QueryString"].(string)
				all.WriteString(sql + "\n")
				assert.Contains(t, sql, db, "%s queries its own database", id)
				assert.Equal(t, map[string]any{"Ref": analysts}, q.Properties["WorkGroup"], "%s is saved in the analysts workgroup", id)
			}
			assert.True(t, databases[p.Env.DatabaseName(config.LayerBronze)])
			assert.True(t, databases[p.Env.DatabaseName(config.LayerGold)])
			// The CDC query reads the DMS columns by the names the CDC stack configures.
			assert.Contains(t, all.String(), strings.ToLower(config.BronzeCDCOpColumn)+" <> 'D'")
			assert.Contains(t, all.String(), strings.ToLower(p.Env.Cdc.TimestampColumnName)+" DESC")
			// The stream query reads a table the kinesis crawler makes: hyphens become underscores.
			table := config.CrawlerTableName(config.CrawlerKinesis, p.Env.Streaming.Streams[0].Name)
			assert.Contains(t, all.String(), `"`+table+`"`)
			assert.NotContains(t, table, "-")
		})
	}
}

func TestAnalystsPolicy(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			require.NotNil(t, p.Analytics.AnalystsPolicy)
			policies := resourcesOf(t, p.Analytics.Stack, "AWS::IAM::ManagedPolicy")
			require.Len(t, policies, 1)
			var policyID string
			var statements []statement
			for id, pol := range policies {
				policyID = id
				assert.Equal(t, p.Env.AnalystsPolicyName(), pol.Properties["ManagedPolicyName"])
				statements = statementsOf(t, pol.Properties["PolicyDocument"])
			}
			templateOf(p.Analytics.Stack).HasOutput(jsii.String("AnalystsPolicyArn"), map[string]any{"Value": map[string]any{"Ref": policyID}})

			analystsWorkgroup := "arn:aws:athena:" + p.Env.Region + ":" + p.Env.Account + ":workgroup/" + p.Env.WorkgroupName(config.WorkgroupAnalysts)
			bronze := p.Env.DatabaseName(config.LayerBronze)
			sids := map[string]statement{}
			for _, s := range statements {
				sids[s.Sid] = s
				for _, r := range s.Resources {
					assert.NotContains(t, r, bronze, "%s: analysts do not read bronze", s.Sid)
					// The DataLake stack's BronzeBucket, as cross-stack references name it.
					assert.NotContains(t, r, "BronzeBucket", "%s: analysts do not read bronze", s.Sid)
					assert.NotContains(t, r, p.Env.WorkgroupName(config.WorkgroupDbt), "%s: analysts do not use the dbt workgroup", s.Sid)
					if r == "*" {
						for _, a := range s.Actions {
							assert.True(t, strings.HasPrefix(a, "athena:List"), "%s on * in %s", a, s.Sid)
						}
					}
				}
			}
			assert.Equal(t, []string{analystsWorkgroup}, sids["QueryInAnalystsWorkgroup"].Resources)
			assert.Contains(t, sids["QueryInAnalystsWorkgroup"].Actions, "athena:StartQueryExecution")
			glue := sids["ReadSilverAndGoldCatalog"]
			for _, a := range glue.Actions {
				assert.True(t, strings.HasPrefix(a, "glue:Get") || strings.HasPrefix(a, "glue:BatchGet"), "read-only glue: %s", a)
			}
			for _, layer := range []string{config.LayerSilver, config.LayerGold} {
				assert.Contains(t, glue.Resources, "arn:aws:glue:"+p.Env.Region+":"+p.Env.Account+":table/"+p.Env.DatabaseName(layer)+"/*")
			}
			assert.Equal(t, []string{"s3:GetObject"}, sids["ReadSilverAndGoldObjects"].Actions)
			results := sids["ReadWriteOwnResults"]
			require.Len(t, results.Resources, 1)
			assert.True(t, strings.HasSuffix(results.Resources[0], "/"+config.WorkgroupResultsPrefix(config.WorkgroupAnalysts)+"*"), results.Resources[0])
			kms := sids["UseDataKeyThroughS3"]
			assert.ElementsMatch(t, []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"}, kms.Actions)
			assert.Equal(t, map[string]any{"kms:ViaService": "s3." + p.Env.Region + ".amazonaws.com"}, kms.Condition["StringEquals"])
		})
	}
}

func TestCatalogAndAnalyticsHandles(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			for _, family := range config.CrawlerFamilies {
				c := p.Catalog.Crawlers[family]
				assert.Equal(t, p.Env.CrawlerName(family), c.Name)
				assert.True(t, strings.HasSuffix(*c.Arn, ":crawler/"+c.Name), *c.Arn)
			}
			for _, audience := range config.Workgroups {
				wg := p.Analytics.Workgroups[audience]
				assert.True(t, strings.HasSuffix(*wg.Arn, ":workgroup/"+p.Env.WorkgroupName(audience)), *wg.Arn)
				assert.Equal(t, config.WorkgroupResultsPrefix(audience), wg.ResultsPrefix)
			}
			require.NotNil(t, p.Analytics.ResultsBucket)
			require.NotNil(t, p.Catalog.Bronze)
			require.NotNil(t, p.Catalog.CrawlerRole)
		})
	}
}
