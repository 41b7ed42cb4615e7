package test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/constructs/securebucket"
	"dataplatform/guard"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onlyResource is the single resource of cfnType in stack, with its logical ID.
func onlyResource(t *testing.T, stack awscdk.Stack, cfnType string) (string, resource) {
	t.Helper()
	all := resourcesOf(t, stack, cfnType)
	require.Len(t, all, 1, "%s resources", cfnType)
	for id, r := range all {
		return id, r
	}
	panic("unreachable")
}

func TestAlertTopicIsEncryptedAndTLSOnly(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Monitoring.Stack
			keyID := logicalID(t, p.Monitoring.Key)
			_, topic := onlyResource(t, stack, "AWS::SNS::Topic")
			assert.Equal(t, p.Env.AlertTopicName(), topic.Properties["TopicName"])
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}, topic.Properties["KmsMasterKeyId"])

			_, policy := onlyResource(t, stack, "AWS::SNS::TopicPolicy")
			raw, _ := json.Marshal(policy.Properties["PolicyDocument"])
			assert.Contains(t, string(raw), `"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"`)
			assert.Contains(t, string(raw), `"Principal":{"Service":"events.amazonaws.com"}`, "EventBridge may publish")

			key := resourcesOf(t, stack, "AWS::KMS::Key")[keyID]
			assert.Equal(t, true, key.Properties["EnableKeyRotation"])
			var publishers []any
			for _, s := range key.Properties["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				if st["Sid"] == "AllowAlarmsAndEventBridgeToPublishToTheAlertTopic" {
					publishers = st["Principal"].(map[string]any)["Service"].([]any)
					assert.Equal(t, []any{"kms:Decrypt", "kms:GenerateDataKey*"}, st["Action"])
				}
			}
			assert.ElementsMatch(t, []any{"cloudwatch.amazonaws.com", "events.amazonaws.com"}, publishers)
		})
	}
}

func TestAlertEmailsAreSubscribed(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			topicID := logicalID(t, p.Monitoring.Topic)
			var emails []string
			for _, s := range resourcesOf(t, p.Monitoring.Stack, "AWS::SNS::Subscription") {
				assert.Equal(t, "email", s.Properties["Protocol"])
				assert.Equal(t, ref(topicID), s.Properties["TopicArn"])
				emails = append(emails, s.Properties["Endpoint"].(string))
			}
			assert.ElementsMatch(t, p.Env.Monitoring.AlertEmails, emails)
		})
	}
}

// expectedAlarms is, per stage, the alarm names and thresholds that config and the stacks
// present in the platform call for.
func expectedAlarms(p *stacks.Platform) map[string]map[string]config.Alarm {
	env, mon := p.Env, p.Env.Monitoring
	want := map[string]map[string]config.Alarm{config.StageStorage: {}, config.StageNetwork: {}}
	for _, layer := range []string{config.LayerBronze, config.LayerSilver, config.LayerGold} {
		want[config.StageStorage][env.AlarmName(config.StageStorage, layer+"-5xx-errors")] = mon.S3ServerErrors
		want[config.StageStorage][env.AlarmName(config.StageStorage, layer+"-4xx-errors")] = mon.S3ClientErrors
	}
	for n := 1; n <= env.Network.NATGateways; n++ {
		want[config.StageNetwork][env.AlarmName(config.StageNetwork, fmt.Sprintf("nat%d-port-allocation-errors", n))] = mon.NATPortAllocationErrors
		want[config.StageNetwork][env.AlarmName(config.StageNetwork, fmt.Sprintf("nat%d-packets-dropped", n))] = mon.NATPacketsDropped
	}
	return want
}

// TestEveryStageAlarmsTheTopic checks each stage's alarms against config, and that every alarm
// of the stack notifies the topic when it fires and when it recovers.
func TestEveryStageAlarmsTheTopic(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack, mon := p.Monitoring.Stack, p.Env.Monitoring
			topic := []any{ref(logicalID(t, p.Monitoring.Topic))}
			all := resourcesOf(t, stack, "AWS::CloudWatch::Alarm")
			for id, a := range all {
				assert.Equal(t, topic, a.Properties["AlarmActions"], "%s AlarmActions", id)
				assert.Equal(t, topic, a.Properties["OKActions"], "%s OKActions", id)
				assert.Equal(t, "notBreaching", a.Properties["TreatMissingData"], id)
				assert.Equal(t, float64(mon.PeriodMinutes*60), a.Properties["Period"], id)
			}
			counted := 0
			for stage, want := range expectedAlarms(p) {
				got := map[string]config.Alarm{}
				for _, alarm := range p.Monitoring.Alarms[stage] {
					a := all[logicalID(t, alarm)]
					got[a.Properties["AlarmName"].(string)] = config.Alarm{
						Threshold:         int(a.Properties["Threshold"].(float64)),
						EvaluationPeriods: int(a.Properties["EvaluationPeriods"].(float64)),
					}
				}
				assert.Equal(t, want, got, "stage %s", stage)
				counted += len(got)
			}
			assert.Len(t, all, counted, "every alarm of the stack belongs to a stage")
		})
	}
}

func TestLayerBucketAlarmsWatchTheirRequestMetrics(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			lake := p.DataLake
			buckets := resourcesOf(t, lake.Stack, "AWS::S3::Bucket")
			for _, b := range []constructs.IConstruct{lake.Bronze, lake.Silver, lake.Gold} {
				id := logicalID(t, b)
				assert.Equal(t, []any{map[string]any{"Id": securebucket.RequestMetricsFilter}}, buckets[id].Properties["MetricsConfigurations"], id)
			}
			for _, a := range resourcesOf(t, p.Monitoring.Stack, "AWS::CloudWatch::Alarm") {
				if a.Properties["Namespace"] != "AWS/S3" {
					continue
				}
				raw, _ := json.Marshal(a.Properties["Dimensions"])
				assert.Contains(t, string(raw), `{"Name":"FilterId","Value":"`+securebucket.RequestMetricsFilter+`"}`)
			}
		})
	}
}

func TestEventRulesTargetTheTopic(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Monitoring.Stack
			topic := ref(logicalID(t, p.Monitoring.Topic))
			rules := resourcesOf(t, stack, "AWS::Events::Rule")
			for id, r := range rules {
				targets := r.Properties["Targets"].([]any)
				require.Len(t, targets, 1, id)
				assert.Equal(t, topic, targets[0].(map[string]any)["Arn"], id)
				assert.Equal(t, "ENABLED", r.Properties["State"], id)
			}
			require.Len(t, p.Monitoring.Rules[config.StageIngestion], 1)
			dms := rules[logicalID(t, p.Monitoring.Rules[config.StageIngestion][0])].Properties["EventPattern"].(map[string]any)
			assert.Equal(t, []any{"aws.dms"}, dms["source"])
			assert.Equal(t, map[string]any{"eventType": []any{"REPLICATION_TASK_FAILED", "REPLICATION_TASK_STOPPED"}}, dms["detail"])

			require.Len(t, p.Monitoring.Rules[config.StageCatalog], 1)
			glue := rules[logicalID(t, p.Monitoring.Rules[config.StageCatalog][0])].Properties["EventPattern"].(map[string]any)
			var crawlers []any
			for _, family := range config.CrawlerFamilies {
				crawlers = append(crawlers, p.Env.CrawlerName(family))
			}
			assert.Equal(t, map[string]any{"state": []any{"Failed"}, "crawlerName": crawlers}, glue["detail"])
			assert.Len(t, rules, 2, "every rule belongs to a stage")
		})
	}
}

// TestDashboardHasARowPerWatchedStage checks the rows' order: the pipeline, then the network.
func TestDashboardHasARowPerWatchedStage(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			_, d := onlyResource(t, p.Monitoring.Stack, "AWS::CloudWatch::Dashboard")
			assert.Equal(t, p.Env.DashboardName(), d.Properties["DashboardName"])
			raw, _ := json.Marshal(d.Properties["DashboardBody"])
			body := string(raw)
			var at []int
			for _, title := range []string{"## Ingestion", "## Storage", "## Catalog and query", "## Network"} {
				i := strings.Index(body, title)
				require.GreaterOrEqual(t, i, 0, "no row %q", title)
				at = append(at, i)
			}
			assert.True(t, slices.IsSorted(at), "rows out of order: %v", at)
			assert.NotContains(t, body, "## Orchestration", "no row for a stage with nothing to watch")
		})
	}
}

// TestGuardPassesAgainstGoldenTemplates runs the stateful-resource guard over this suite's
// synthesized app against the committed golden templates, as `make guard` does after a synth.
func TestGuardPassesAgainstGoldenTemplates(t *testing.T) {
	head := filepath.Dir(*suite.platforms[0].Stage.Outdir())
	result, err := guard.Run("testdata", head, []string{"staging", "production"}, filepath.Join("..", guard.AllowFile))
	require.NoError(t, err)
	assert.Empty(t, result.Blocking, result.Report())
	protected := 0
	for name := range allStacks() {
		if guard.Stage(name) == "staging" || guard.Stage(name) == "production" {
			protected++
		}
	}
	assert.Equal(t, protected, result.Stacks, "every staging and production stack is compared")
}
