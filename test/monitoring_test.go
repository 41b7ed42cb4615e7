package test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
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

func TestAlertTopicIsEncryptedAndTLSOnly(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Monitoring.Stack
			keyID := logicalID(t, p.Monitoring.Key)
			_, topic := only(t, resourcesOf(t, stack, "AWS::SNS::Topic"))
			assert.Equal(t, p.Env.AlertTopicName(), topic.Properties["TopicName"])
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}, topic.Properties["KmsMasterKeyId"])

			_, policy := only(t, resourcesOf(t, stack, "AWS::SNS::TopicPolicy"))
			raw, _ := json.Marshal(policy.Properties["PolicyDocument"])
			assert.Contains(t, string(raw), `"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"`)
			// Only this environment's alarms and this account's budgets may publish through the
			// topic policy (not, say, any account's EventBridge rules);
			// TestBudgetsMayPublishToTheAlertTopic checks the budgets' statement and
			// TestEveryPublisherMayWriteToItsTarget the edges.
			var allowed []any
			for _, s := range documentStatements(policy.Properties["PolicyDocument"]) {
				if s["Effect"] != "Allow" {
					continue
				}
				allowed = append(allowed, s["Principal"])
				if jsonText(s["Principal"]) == jsonText(service("cloudwatch.amazonaws.com")) {
					assert.Equal(t, map[string]any{
						"StringEquals": map[string]any{"aws:SourceAccount": p.Env.Account},
						"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s-%s-*", p.Env.Region, p.Env.Account, p.Env.Prefix, p.Env.Name)},
					}, s["Condition"])
				}
			}
			assert.Equal(t, []any{service("cloudwatch.amazonaws.com"), service("budgets.amazonaws.com")}, allowed)

			// EventBridge publishes as a role trusted only for this account's rules.
			publisherID := logicalID(t, p.Monitoring.Publisher)
			publisher := resourcesOf(t, stack, "AWS::IAM::Role")[publisherID]
			assert.Equal(t, []any{map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": p.Env.Account}}}},
				publisher.Properties["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
			assert.ElementsMatch(t, []map[string]any{
				{"Action": "sns:Publish", "Effect": "Allow", "Resource": ref(logicalID(t, p.Monitoring.Topic))},
				{"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Effect": "Allow", "Resource": getAtt(keyID, "Arn")},
			}, roleStatements(t, stack, publisherID))

			key := resourcesOf(t, stack, "AWS::KMS::Key")[keyID]
			assert.Equal(t, true, key.Properties["EnableKeyRotation"])
			var publishers []any
			for _, s := range key.Properties["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				if service, ok := st["Principal"].(map[string]any)["Service"]; ok {
					publishers = append(publishers, service)
					assert.Equal(t, []any{"kms:Decrypt", "kms:GenerateDataKey*"}, st["Action"])
				}
			}
			assert.Equal(t, []any{"cloudwatch.amazonaws.com", "budgets.amazonaws.com"}, publishers,
				"alarms and budgets use the key through SNS; EventBridge uses the publisher role")
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

// expected is what one alarm must be: its threshold in the metric's unit, its evaluation
// periods, and whether it fires above (">=") or below ("<") the threshold.
type expected struct {
	Threshold         float64
	EvaluationPeriods int
	Below             bool
}

// above and below turn a config threshold into the metric's unit.
func above(a config.Alarm, scale float64) expected {
	return expected{float64(a.Threshold) * scale, a.EvaluationPeriods, false}
}
func below(a config.Alarm, scale float64) expected {
	return expected{float64(a.Threshold) * scale, a.EvaluationPeriods, true}
}

// expectedAlarms is, per stage, the alarm names and thresholds that config and the stacks
// present in the platform call for: one set per stream, NAT gateway, bucket, and so on.
func expectedAlarms(p *stacks.Platform) map[string]map[string]expected {
	env, mon := p.Env, p.Env.Monitoring
	want := map[string]map[string]expected{config.StageStorage: {}, config.StageNetwork: {}}
	name := env.AlarmName
	for _, layer := range []string{config.LayerBronze, config.LayerSilver, config.LayerGold} {
		want[config.StageStorage][name(config.StageStorage, layer+"-5xx-errors")] = above(mon.S3ServerErrors, 1)
		want[config.StageStorage][name(config.StageStorage, layer+"-4xx-errors")] = above(mon.S3ClientErrors, 1)
	}
	nats := func(prefix string, count int) {
		for n := 1; n <= count; n++ {
			want[config.StageNetwork][name(config.StageNetwork, fmt.Sprintf("%s%d-port-allocation-errors", prefix, n))] = above(mon.NATPortAllocationErrors, 1)
			want[config.StageNetwork][name(config.StageNetwork, fmt.Sprintf("%s%d-packets-dropped", prefix, n))] = above(mon.NATPacketsDropped, 1)
		}
	}
	nats("nat", env.Network.NATGateways)
	if p.Databricks != nil {
		nats("databricks-nat", env.Databricks.NATGateways)
	}
	ingestion := map[string]expected{}
	if p.Cdc != nil {
		ingestion[name(config.StageIngestion, "cdc-source-latency")] = above(mon.CdcSourceLatencySeconds, 1)
		ingestion[name(config.StageIngestion, "cdc-target-latency")] = above(mon.CdcTargetLatencySeconds, 1)
	}
	if p.Streaming != nil {
		for _, s := range env.Streaming.Streams {
			ingestion[name(config.StageIngestion, s.Name+"-iterator-age")] = above(mon.StreamIteratorAgeSeconds, 1000)
			ingestion[name(config.StageIngestion, s.Name+"-write-throttles")] = above(mon.StreamWriteThrottles, 1)
			ingestion[name(config.StageIngestion, s.Name+"-delivery-freshness")] = above(mon.DeliveryFreshnessSeconds, 1)
			ingestion[name(config.StageIngestion, s.Name+"-delivery-failures")] = below(mon.DeliverySuccessPercent, 0.01)
		}
	}
	want[config.StageIngestion] = ingestion
	if p.Databricks != nil && len(env.SpeedStreams()) > 0 {
		want[config.StageProcessing] = map[string]expected{}
		for _, s := range env.SpeedStreams() {
			want[config.StageProcessing][name(config.StageProcessing, s.Name+"-speed-freshness")] = above(mon.SpeedFreshnessSeconds, 1)
		}
	}
	if p.Database != nil {
		want[config.StageDatabase] = map[string]expected{
			name(config.StageDatabase, "cpu"):                  above(mon.DatabaseCPUPercent, 1),
			name(config.StageDatabase, "free-storage"):         below(mon.DatabaseFreeStorageGiB, 1<<30),
			name(config.StageDatabase, "replication-slot-lag"): above(mon.ReplicationSlotLagMiB, 1<<20),
		}
	}
	if p.Airflow != nil {
		want[config.StageOrchestration] = map[string]expected{
			name(config.StageOrchestration, "scheduler-heartbeat"): below(mon.AirflowSchedulerHeartbeats, 1),
			name(config.StageOrchestration, "queued-tasks"):        above(mon.AirflowQueuedTasks, 1),
		}
	}
	return want
}

// TestEveryStageAlarmsTheTopic checks each stage's alarms against config and the stacks of the
// platform, and that every alarm of the stack notifies the topic when it fires and recovers.
func TestEveryStageAlarmsTheTopic(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack, mon := p.Monitoring.Stack, p.Env.Monitoring
			topic := []any{ref(logicalID(t, p.Monitoring.Topic))}
			all := resourcesOf(t, stack, "AWS::CloudWatch::Alarm")
			for id, a := range all {
				assert.Equal(t, topic, a.Properties["AlarmActions"], "%s AlarmActions", id)
				assert.Equal(t, topic, a.Properties["OKActions"], "%s OKActions", id)
				// Only a heartbeat and the speed layer's freshness breach when they go missing: a
				// dead scheduler or streaming job publishes nothing.
				missing := "notBreaching"
				if a.Properties["MetricName"] == "SchedulerHeartbeat" || a.Properties["MetricName"] == config.SpeedFreshnessMetric {
					missing = "breaching"
				}
				assert.Equal(t, missing, a.Properties["TreatMissingData"], id)
				assert.Equal(t, float64(mon.PeriodMinutes*60), a.Properties["Period"], id)
			}
			counted := 0
			for stage, want := range expectedAlarms(p) {
				got := map[string]expected{}
				for _, alarm := range p.Monitoring.Alarms[stage] {
					a := all[logicalID(t, alarm)]
					got[a.Properties["AlarmName"].(string)] = expected{
						Threshold:         a.Properties["Threshold"].(float64),
						EvaluationPeriods: int(a.Properties["EvaluationPeriods"].(float64)),
						Below:             a.Properties["ComparisonOperator"] == "LessThanThreshold",
					}
				}
				assert.Equal(t, want, got, "stage %s", stage)
				counted += len(got)
			}
			assert.Len(t, all, counted, "every alarm of the stack belongs to a stage")
		})
	}
}

// TestMonitoringWatchesEveryStack walks the stacks the stage really has, so a stack added
// later fails here until Monitoring watches it: its template must read an output of the stack
// (alarms on its resources) or name one of the stack's named resources (event rules on
// crawlers and workgroups, metrics of the MWAA environment).
func TestMonitoringWatchesEveryStack(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			monitoring := jsonText(templateOf(p.Monitoring.Stack).ToJSON())
			for _, child := range *p.Stage.Node().Children() {
				stack, ok := child.(awscdk.Stack)
				if !ok || !*awscdk.Stack_IsStack(child) || *stack.StackName() == *p.Monitoring.Stack.StackName() {
					continue
				}
				// Network's NAT gateways are what Monitoring watches of it: a VPC without one
				// (MWAA off, develop) has nothing that alarms (its endpoint and flow logs never did).
				if *stack.StackName() == *p.Network.Stack.StackName() && p.Env.Network.NATGateways == 0 {
					continue
				}
				watched := strings.Contains(monitoring, `"StackName":"`+*stack.StackName()+`"`) ||
					strings.Contains(monitoring, `"Fn::ImportValue":"`+*stack.StackName()+`:`)
				for _, r := range (*templateOf(stack).ToJSON())["Resources"].(map[string]any) {
					props, _ := r.(map[string]any)["Properties"].(map[string]any)
					if name, ok := props["Name"].(string); ok && strings.Contains(monitoring, `"`+name+`"`) {
						watched = true
					}
				}
				assert.True(t, watched, "%s: Monitoring watches nothing of this stack", *stack.StackName())
			}
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

// importOf is how a consumer stack's template reads value from producer: the
// Fn::GetStackOutput of the producer's output whose value it is (weak cross-stack references).
func importOf(t *testing.T, producer awscdk.Stack, value any) any {
	t.Helper()
	for name, out := range outputsOf(t, producer) {
		if assert.ObjectsAreEqual(value, out["Value"]) && strings.HasPrefix(name, "PublishOutput") {
			return map[string]any{"Fn::GetStackOutput": map[string]any{
				"StackName": *producer.StackName(), "Region": *producer.Region(), "OutputName": name,
			}}
		}
	}
	t.Fatalf("%s publishes no %v", *producer.StackName(), value)
	return nil
}

// exportOf is the Fn::ImportValue of producer's explicit export of value.
func exportOf(t *testing.T, producer awscdk.Stack, value any) any {
	t.Helper()
	for _, out := range outputsOf(t, producer) {
		if export, ok := out["Export"].(map[string]any); ok && assert.ObjectsAreEqual(value, out["Value"]) {
			return map[string]any{"Fn::ImportValue": export["Name"]}
		}
	}
	t.Fatalf("%s exports no %v", *producer.StackName(), value)
	return nil
}

// dimensionsOf is an alarm's dimensions by name.
func dimensionsOf(a resource) map[string]any {
	out := map[string]any{}
	for _, d := range a.Properties["Dimensions"].([]any) {
		out[d.(map[string]any)["Name"].(string)] = d.(map[string]any)["Value"]
	}
	return out
}

// TestAlarmsWatchTheStacksResources checks that each alarm's dimensions name the resource it
// is about, through the handle of the stack that owns it.
func TestAlarmsWatchTheStacksResources(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			byName := map[string]resource{}
			for _, a := range resourcesOf(t, p.Monitoring.Stack, "AWS::CloudWatch::Alarm") {
				byName[a.Properties["AlarmName"].(string)] = a
			}
			// DMS publishes task metrics under the instance's identifier and the task's
			// resource ID, the seventh field of the task's ARN.
			task := exportOf(t, p.Cdc.Stack, ref(logicalID(t, p.Cdc.ReplicationTask)))
			for _, what := range []string{"cdc-source-latency", "cdc-target-latency"} {
				a := byName[p.Env.AlarmName(config.StageIngestion, what)]
				assert.Equal(t, "AWS/DMS", a.Properties["Namespace"])
				assert.Equal(t, map[string]any{
					"ReplicationInstanceIdentifier": p.Env.ReplicationInstanceIdentifier(),
					"ReplicationTaskIdentifier":     map[string]any{"Fn::Select": []any{float64(6), map[string]any{"Fn::Split": []any{":", task}}}},
				}, dimensionsOf(a), what)
			}
			for _, s := range p.Env.Streaming.Streams {
				stream := importOf(t, p.Streaming.Stack, ref(logicalID(t, p.Streaming.Streams[s.Name])))
				for _, what := range []string{"-iterator-age", "-write-throttles"} {
					a := byName[p.Env.AlarmName(config.StageIngestion, s.Name+what)]
					assert.Equal(t, "AWS/Kinesis", a.Properties["Namespace"], what)
					assert.Equal(t, map[string]any{"StreamName": stream}, dimensionsOf(a), s.Name+what)
				}
				for what, metric := range map[string]string{"-delivery-freshness": "DeliveryToS3.DataFreshness", "-delivery-failures": "DeliveryToS3.Success"} {
					a := byName[p.Env.AlarmName(config.StageIngestion, s.Name+what)]
					assert.Equal(t, "AWS/Firehose", a.Properties["Namespace"], what)
					assert.Equal(t, metric, a.Properties["MetricName"], what)
					delivery := importOf(t, p.Streaming.Stack, ref(logicalID(t, p.Streaming.DeliveryStreams[s.Name])))
					assert.Equal(t, map[string]any{"DeliveryStreamName": delivery}, dimensionsOf(a), s.Name+what)
				}
			}
			db := importOf(t, p.Database.Stack, ref(logicalID(t, p.Database.Instance)))
			for what, metric := range map[string]string{"cpu": "CPUUtilization", "free-storage": "FreeStorageSpace", "replication-slot-lag": "OldestReplicationSlotLag"} {
				a := byName[p.Env.AlarmName(config.StageDatabase, what)]
				assert.Equal(t, "AWS/RDS", a.Properties["Namespace"], what)
				assert.Equal(t, metric, a.Properties["MetricName"], what)
				assert.Equal(t, map[string]any{"DBInstanceIdentifier": db}, dimensionsOf(a), what)
			}
		})
	}
}

// TestEventRulesTargetTheTopic checks that every rule forwards to the topic and is scoped to
// this environment's resources, named through the owning stacks' handles.
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
				assert.Equal(t, getAtt(logicalID(t, p.Monitoring.Publisher), "Arn"), targets[0].(map[string]any)["RoleArn"], id)
				assert.Equal(t, "ENABLED", r.Properties["State"], id)
			}
			pattern := func(stage string, i int) map[string]any {
				return rules[logicalID(t, p.Monitoring.Rules[stage][i])].Properties["EventPattern"].(map[string]any)
			}

			require.Len(t, p.Monitoring.Rules[config.StageIngestion], 1)
			dms := pattern(config.StageIngestion, 0)
			assert.Equal(t, []any{"aws.dms"}, dms["source"])
			assert.Equal(t, map[string]any{"eventType": []any{"REPLICATION_TASK_FAILED", "REPLICATION_TASK_STOPPED"}}, dms["detail"])
			assert.Equal(t, []any{importOf(t, p.Cdc.Stack, ref(logicalID(t, p.Cdc.ReplicationTask)))}, dms["resources"],
				"only this environment's task")

			// The crawler names as the Catalog stack's template has them.
			var crawlers []any
			for _, c := range resourcesOf(t, p.Catalog.Stack, "AWS::Glue::Crawler") {
				crawlers = append(crawlers, c.Properties["Name"])
			}
			require.Len(t, crawlers, len(config.CrawlerFamilies))
			rulesOfCatalog := 1
			glue := pattern(config.StageCatalog, 0)
			assert.Equal(t, []any{"aws.glue"}, glue["source"])
			detail := glue["detail"].(map[string]any)
			assert.Equal(t, []any{"Failed"}, detail["state"])
			assert.ElementsMatch(t, crawlers, detail["crawlerName"])

			if failing := p.Env.Monitoring.FailedQueryWorkgroups; len(failing) > 0 {
				rulesOfCatalog++
				workgroups := map[string]any{}
				for _, w := range resourcesOf(t, p.Analytics.Stack, "AWS::Athena::WorkGroup") {
					workgroups[w.Properties["Name"].(string)] = true
				}
				var names []any
				for _, audience := range failing {
					names = append(names, p.Env.WorkgroupName(audience))
					assert.Contains(t, workgroups, p.Env.WorkgroupName(audience), "a workgroup of the Analytics stack")
				}
				athena := pattern(config.StageCatalog, 1)
				assert.Equal(t, []any{"aws.athena"}, athena["source"])
				assert.Equal(t, []any{"Athena Query State Change"}, athena["detail-type"])
				assert.Equal(t, map[string]any{"currentState": []any{"FAILED"}, "workgroupName": names}, athena["detail"])
			}
			require.Len(t, p.Monitoring.Rules[config.StageCatalog], rulesOfCatalog)
			assert.Len(t, rules, 1+rulesOfCatalog, "every rule belongs to a stage")
		})
	}
}

// TestDashboardHasARowPerWatchedStage checks the rows' order: the pipeline and its
// orchestration, the database, then
// the network; and that each workgroup's scanned bytes are graphed.
func TestDashboardHasARowPerWatchedStage(t *testing.T) {
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			_, d := only(t, resourcesOf(t, p.Monitoring.Stack, "AWS::CloudWatch::Dashboard"))
			assert.Equal(t, p.Env.DashboardName(), d.Properties["DashboardName"])
			raw, _ := json.Marshal(d.Properties["DashboardBody"])
			body := string(raw)
			var at []int
			titles := []string{"## Ingestion", "## Storage", "## Catalog and query", "## Orchestration", "## Database", "## Network"}
			// No row for a stage with nothing to watch: Orchestration where MWAA is off, Network
			// where there is no NAT gateway (both in develop).
			if p.Airflow == nil {
				assert.NotContains(t, body, "## Orchestration")
				titles = slices.DeleteFunc(titles, func(s string) bool { return s == "## Orchestration" })
			}
			if p.Env.Network.NATGateways == 0 && p.Databricks == nil {
				assert.NotContains(t, body, "## Network")
				titles = slices.DeleteFunc(titles, func(s string) bool { return s == "## Network" })
			}
			for _, title := range titles {
				i := strings.Index(body, title)
				require.GreaterOrEqual(t, i, 0, "no row %q", title)
				at = append(at, i)
			}
			assert.True(t, slices.IsSorted(at), "rows out of order: %v", at)
			for _, audience := range config.Workgroups {
				assert.Contains(t, body, `WorkGroup=\\\"`+p.Env.WorkgroupName(audience)+`\\\"`, audience)
			}
		})
	}
}

// TestGuardAgainstBaseBranch runs the stateful-resource guard over this suite's synthesized
// app against the golden templates committed where this branch left main (GUARD_BASE: another
// git:<ref> or a directory), as `make guard` does after a synth. A rename whose golden files
// were rewritten with -update still fails here, unless guard-allow.yaml allows it.
func TestGuardAgainstBaseBranch(t *testing.T) {
	base := cmp.Or(os.Getenv("GUARD_BASE"), "git:main")
	baseDir, err := guard.ResolveBase(base, "..", t.TempDir())
	require.NoError(t, err, "GUARD_BASE=<directory> compares with templates outside git")
	head := filepath.Dir(*suite.platforms[0].Stage.Outdir())
	result, err := guard.Run(baseDir, head, []string{"staging", "production"}, filepath.Join("..", guard.AllowFile))
	require.NoError(t, err)
	assert.Empty(t, result.Blocking, result.Report())
}
