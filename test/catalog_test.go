package test

import (
	"encoding/json"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogDatabases(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			dbs := resourcesOf(t, p.Catalog.Stack, "AWS::Glue::Database")
			require.Len(t, dbs, 3)
			layers := map[string]string{config.LayerBronze: config.BucketBronze, config.LayerSilver: config.BucketSilver, config.LayerGold: config.BucketGold}
			for layer, bucket := range layers {
				templateOf(p.Catalog.Stack).HasResource(jsii.String("AWS::Glue::Database"), map[string]any{
					"Properties": map[string]any{
						"CatalogId": p.Env.Account,
						"DatabaseInput": map[string]any{
							"Name":        p.Env.DatabaseName(layer),
							"LocationUri": "s3://" + p.Env.BucketName(bucket) + "/",
						},
					},
					"DeletionPolicy": deletionPolicyOf(p.Env),
				})
			}
		})
	}
}

// producerExamples are keys the producers write, built with the producers' own config
// functions, and the folder Glue must turn into a table.
var producerExamples = map[string]struct{ key, table string }{
	config.CrawlerRDS:     {config.BronzeRDSPrefix + "public/orders/20261124-120000000.parquet", config.BronzeRDSPrefix + "public/orders/"},
	config.CrawlerKinesis: {config.BronzeKinesisPrefix("clicks") + "year=2026/month=11/day=24/clicks-1.parquet", config.BronzeKinesisPrefix("clicks")},
	config.CrawlerAPI:     {config.BronzeAPIPrefix("weather") + "dt=2026-11-24/page-1.json", config.BronzeAPIPrefix("weather")},
}

func TestCrawlersReadWhatProducersWrite(t *testing.T) {
	for _, p := range suite.platforms {
		crawlers := resourcesOf(t, p.Catalog.Stack, "AWS::Glue::Crawler")
		require.Len(t, crawlers, len(config.CrawlerFamilies))
		byName := map[string]resource{}
		for _, c := range crawlers {
			byName[c.Properties["Name"].(string)] = c
		}
		bronzeURL := "s3://" + p.Env.BucketName(config.BucketBronze) + "/"
		for _, family := range config.CrawlerFamilies {
			t.Run(p.Env.Name+"/"+family, func(t *testing.T) {
				c, ok := byName[p.Env.CrawlerName(family)]
				require.True(t, ok, "crawler %s", p.Env.CrawlerName(family))
				assert.Equal(t, p.Catalog.Crawlers[family].Name, p.Env.CrawlerName(family))
				assert.Equal(t, config.CrawlerTablePrefix(family), c.Properties["TablePrefix"])
				assert.Equal(t, map[string]any{"Ref": logicalID(t, p.Catalog.Bronze)}, c.Properties["DatabaseName"])

				targets := c.Properties["Targets"].(map[string]any)["S3Targets"].([]any)
				require.Len(t, targets, 1)
				path := targets[0].(map[string]any)["Path"].(string)
				require.True(t, strings.HasPrefix(path, bronzeURL), path)
				root := strings.TrimPrefix(path, bronzeURL)
				example := producerExamples[family]
				assert.True(t, strings.HasPrefix(example.key, root), "%s must cover what the producer writes (%s)", path, example.key)
				assert.False(t, strings.HasPrefix(root, config.BronzeErrorsPrefix) || strings.HasPrefix(config.BronzeErrorsPrefix, root),
					"%s must not crawl the errors prefix", path)

				// Glue counts levels from the bucket (level 1): the table folder's depth is the level.
				var cfg struct {
					Grouping struct{ TableLevelConfiguration int }
				}
				require.NoError(t, json.Unmarshal([]byte(c.Properties["Configuration"].(string)), &cfg))
				assert.Equal(t, 1+strings.Count(example.table, "/"), cfg.Grouping.TableLevelConfiguration, "table level of %s", example.table)

				if schedule := p.Env.Catalog.CrawlerSchedules[family]; schedule != "" {
					assert.Equal(t, map[string]any{"ScheduleExpression": schedule}, c.Properties["Schedule"])
				} else {
					assert.Nil(t, c.Properties["Schedule"])
				}
				// A source that appears after the first crawl must become a table: an incremental
				// crawl (CRAWL_NEW_FOLDERS_ONLY, LOG/LOG) logs what does not fit known tables.
				assert.Equal(t, map[string]any{"RecrawlBehavior": "CRAWL_EVERYTHING"}, c.Properties["RecrawlPolicy"])
				policy := c.Properties["SchemaChangePolicy"].(map[string]any)
				assert.Equal(t, "UPDATE_IN_DATABASE", policy["UpdateBehavior"], "new tables and columns reach the catalog")
				assert.NotEqual(t, "DELETE_FROM_DATABASE", policy["DeleteBehavior"], "a vanished folder must not drop a table")
				assert.Equal(t, map[string]any{"Ref": logicalID(t, p.Catalog.Node().FindChild(jsii.String("SecurityConfiguration")))},
					c.Properties["CrawlerSecurityConfiguration"])
			})
		}
	}
}

func TestCrawlerSecurityConfigurationAndLogs(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			tpl := templateOf(p.Catalog.Stack)
			keys := resourcesOf(t, p.Catalog.Stack, "AWS::KMS::Key")
			require.Len(t, keys, 1)
			var logsKey string
			for id, k := range keys {
				logsKey = id
				assert.Contains(t, jsonText(k.Properties), `"kms:EncryptionContext:aws:logs:arn"`)
				assert.Contains(t, jsonText(k.Properties), `"Service":"logs.`+p.Env.Region+`.amazonaws.com"`)
			}
			tpl.HasResourceProperties(jsii.String("AWS::Glue::SecurityConfiguration"), map[string]any{
				"Name": p.Env.GlueSecurityConfigurationName(),
				"EncryptionConfiguration": map[string]any{
					"CloudWatchEncryption":   map[string]any{"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": map[string]any{"Fn::GetAtt": []any{logsKey, "Arn"}}},
					"JobBookmarksEncryption": map[string]any{"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": assertions.Match_AnyValue()},
					"S3Encryptions":          []any{map[string]any{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": assertions.Match_AnyValue()}},
				},
			})
			tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
				"LogGroupName":    p.Env.CrawlerLogGroupName(),
				"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{logsKey, "Arn"}},
				"RetentionInDays": p.Env.Catalog.CrawlerLogRetentionDays,
			})
			// The group Glue writes to is named after the role and the security configuration.
			tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{"RoleName": p.Env.CrawlerRoleName()})
			assert.Equal(t, "/aws-glue/crawlers-role/"+p.Env.CrawlerRoleName()+"-"+p.Env.GlueSecurityConfigurationName(), p.Env.CrawlerLogGroupName())
		})
	}
}

func TestCrawlerRoleScope(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			policies := resourcesOf(t, p.Catalog.Stack, "AWS::IAM::Policy")
			require.Len(t, policies, 1)
			var statements []statement
			for _, pol := range policies {
				statements = statementsOf(t, pol.Properties["PolicyDocument"])
			}
			var objectPrefixes []string
			sids := map[string]bool{}
			for _, s := range statements {
				sids[s.Sid] = true
				for _, r := range s.Resources {
					assert.NotEqual(t, "*", r, "%s must name its resources", s.Sid)
				}
				switch s.Sid {
				case "ReadCrawledPrefixes":
					assert.Equal(t, []string{"s3:GetObject"}, s.Actions)
					for _, r := range s.Resources {
						objectPrefixes = append(objectPrefixes, r[strings.LastIndex(r, "}")+1:])
					}
				case "ListCrawledPrefixes":
					assert.Equal(t, []string{"s3:ListBucket"}, s.Actions)
					assert.NotEmpty(t, s.Condition["StringLike"].(map[string]any)["s3:prefix"], "listing must be limited to the crawled prefixes")
				case "WriteBronzeCatalog":
					bronze := p.Env.DatabaseName(config.LayerBronze)
					for _, a := range s.Actions {
						assert.True(t, strings.HasPrefix(a, "glue:Get") || strings.HasPrefix(a, "glue:BatchGet") || strings.HasPrefix(a, "glue:Create") ||
							strings.HasPrefix(a, "glue:BatchCreate") || strings.HasPrefix(a, "glue:Update") || strings.HasPrefix(a, "glue:BatchUpdate"), a)
					}
					assert.Contains(t, s.Resources, "arn:aws:glue:"+p.Env.Region+":"+p.Env.Account+":table/"+bronze+"/*")
					for _, r := range s.Resources {
						for _, other := range []string{config.LayerSilver, config.LayerGold} {
							assert.NotContains(t, r, p.Env.DatabaseName(other))
						}
					}
				case "":
					// CDK's key grant: decrypt only, on the data-lake key.
					assert.Equal(t, []string{"kms:Decrypt"}, s.Actions)
					require.Len(t, s.Resources, 1)
					assert.Contains(t, s.Resources[0], "PublishOutputFnGetAttDataKey")
				}
				for _, a := range s.Actions {
					assert.NotContains(t, []string{"s3:*", "glue:*", "kms:*", "logs:*"}, a)
				}
			}
			for _, sid := range []string{"ReadCrawledPrefixes", "ListCrawledPrefixes", "LocateBronze", "", "WriteBronzeCatalog", "WriteCrawlerLogs"} {
				assert.True(t, sids[sid], "statement %q is checked above and must exist", sid)
			}
			assert.Len(t, statements, len(sids), "one statement per Sid")
			var want []string
			for _, family := range config.CrawlerFamilies {
				examples := producerExamples[family]
				want = append(want, "/"+examples.key[:strings.Index(examples.key, "/")+1]+"*")
			}
			assert.ElementsMatch(t, want, objectPrefixes, "the role reads exactly the crawled prefixes")
		})
	}
}

func stringsOf(t *testing.T, v any) []string {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	var out []string
	for _, item := range list {
		if s, ok := item.(string); ok {
			out = append(out, s)
			continue
		}
		out = append(out, renderJoin(t, item))
	}
	return out
}

// renderJoin turns {"Fn::Join": ["", [a, b]]} into "a" + "b", with intrinsic functions
// rendered as ${...}; other intrinsics become ${json}.
func renderJoin(t *testing.T, v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return jsonText(v)
	}
	join, ok := m["Fn::Join"].([]any)
	if !ok {
		if sub, ok := m["Fn::Sub"].(string); ok {
			return sub
		}
		return "${" + jsonText(v) + "}"
	}
	var b strings.Builder
	for i, part := range join[1].([]any) {
		if i > 0 {
			b.WriteString(join[0].(string))
		}
		if s, ok := part.(string); ok {
			b.WriteString(s)
		} else if ref, ok := part.(map[string]any)["Ref"].(string); ok && strings.HasPrefix(ref, "AWS::") {
			b.WriteString("${" + ref + "}")
		} else {
			b.WriteString("${" + jsonText(part) + "}")
		}
	}
	return b.String()
}

// TestSilverTablesAreNativeDelta: every table the jobs write is in <env>_silver as a Delta
// table over its folder, with exactly the schema config declares for it, which the jobs create
// the table with and write (warehouse/tests/test_silver_schemas.py compares what they write).
//
// Athena, "Synchronize Delta Lake metadata"
// (https://docs.aws.amazon.com/athena/latest/ug/delta-lake-tables-syncing-metadata.html):
// "the following features require your AWS Glue schema to always have the same schema as the
// transaction log: Lake Formation, Views, Row and column filters". Glue API, TableInput
// (https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html), PartitionKeys: "When you
// create a table used by Amazon Athena, and you do not specify any partitionKeys, you must at
// least set the value of partitionKeys to an empty list. For example: "PartitionKeys": []".
func TestSilverTablesAreNativeDelta(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			silverDB := logicalID(t, p.Catalog.Silver)
			type table struct {
				Location               string
				Columns, PartitionKeys []any
			}
			glue := func(columns []config.Column) []any {
				out := []any{}
				for _, c := range columns {
					out = append(out, map[string]any{"Name": c.Name, "Type": c.Type})
				}
				return out
			}
			want := map[string]table{}
			partitioned := 0
			for _, st := range p.Env.SilverTables() {
				require.NotEmpty(t, st.Columns, "%s: config declares no columns", st.Name)
				want[st.Name] = table{"s3://" + p.Env.BucketName(config.BucketSilver) + "/" + strings.TrimSuffix(st.Prefix, "/"),
					glue(st.Columns), glue(st.PartitionKeys)}
				if len(st.PartitionKeys) > 0 {
					partitioned++
				}
			}
			got := map[string]table{}
			for id, r := range resourcesOf(t, p.Catalog.Stack, "AWS::Glue::Table") {
				assert.Equal(t, ref(silverDB), r.Properties["DatabaseName"], id)
				input := r.Properties["TableInput"].(map[string]any)
				assert.Equal(t, "EXTERNAL_TABLE", input["TableType"], id)
				assert.Equal(t, "DELTA", input["Parameters"].(map[string]any)["table_type"], id)
				storage := input["StorageDescriptor"].(map[string]any)
				keys, ok := input["PartitionKeys"].([]any)
				assert.True(t, ok, "%s: PartitionKeys must be a list, [] at least, for Athena", id)
				columns, _ := storage["Columns"].([]any)
				got[input["Name"].(string)] = table{storage["Location"].(string), columns, keys}
			}
			assert.Equal(t, want, got)
			// Two per replicated table and API source, three per speed stream, and the batch job's
			// watermarks and record of the tables it created.
			assert.Len(t, got, 2*(len(p.Env.Silver.Tables)+len(p.Env.Silver.APISources))+3*len(p.Env.SpeedStreams())+2)
			// The streams' events and late tables and the replicated tables' histories are
			// partitioned by day: both forms are checked.
			assert.Equal(t, 2*len(p.Env.SpeedStreams())+len(p.Env.Silver.Tables), partitioned)
		})
	}
}
