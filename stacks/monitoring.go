package stacks

import (
	"fmt"
	"strings"

	"dataplatform/config"
	"dataplatform/constructs/alarms"
	"dataplatform/constructs/securebucket"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbudgets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MonitoringStackProps configures NewMonitoringStack: the handles of every stack it watches.
// A nil stack is not watched (Databricks is nil where it is switched off).
type MonitoringStackProps struct {
	// Env is the environment being built; Env.Monitoring holds recipients and thresholds.
	Env config.Environment
	// Network's NAT gateways are watched for port exhaustion and dropped packets.
	Network *NetworkStack
	// DataLake's bronze, silver and gold buckets are watched for 4xx and 5xx responses.
	DataLake *DataLakeStack
	// Database's instance is watched for CPU, free storage and replication-slot lag.
	Database *DatabaseStack
	// Cdc's task is watched for failures (events scoped to its ARN) and CDC latency.
	Cdc *CdcStack
	// Streaming's streams are watched for iterator age and throttled writes, its delivery
	// streams for data freshness and failed deliveries.
	Streaming *StreamingStack
	// Catalog's crawlers are watched for failed runs, by their names.
	Catalog *CatalogStack
	// Analytics' workgroups are graphed (bytes scanned); the failed queries of
	// Env.Monitoring.FailedQueryWorkgroups alert.
	Analytics *AnalyticsStack
	// Databricks' NAT gateways are watched like Network's.
	Databricks *DatabricksStack
	// Airflow's scheduler is watched for a missing heartbeat, its executor for queued tasks.
	Airflow *AirflowStack
	// SharesAccount is whether other environments deploy to Env's account: the budget then
	// counts only the costs tagged with Env's environment tag (config.Environment.AccountPeers).
	SharesAccount bool
}

// MonitoringStack is the environment's alerting: one KMS-encrypted SNS topic that every alarm,
// failure event and budget alert publishes to, the monthly cost budget, and a dashboard with
// one row per pipeline stage.
type MonitoringStack struct {
	awscdk.Stack
	// Topic receives every alarm, recovery and failure event of the environment.
	Topic awssns.Topic
	// Key encrypts Topic; CloudWatch alarms and Publisher may use it to publish.
	Key awskms.Key
	// Publisher is the role the EventBridge rules publish to Topic as.
	Publisher awsiam.Role
	// Dashboard shows every stage that has something to watch, one row each.
	Dashboard awscloudwatch.Dashboard
	// Alarms are the metric alarms of each stage, keyed by config.Stage*.
	Alarms map[string][]awscloudwatch.Alarm
	// Rules are the EventBridge alerts of each stage, keyed by config.Stage*.
	Rules map[string][]awsevents.Rule
	// Budget is the environment's monthly cost budget; its actual and forecast alerts go to Topic.
	Budget awsbudgets.CfnBudget
}

// stages are the dashboard's rows, top to bottom: the pipeline in the order data moves, the
// source database, then the network it all runs on. A stage with nothing to watch (today
// the Databricks network where it is off) gets no row.
var stages = []struct{ name, title string }{
	{config.StageIngestion, "Ingestion: DMS change data capture, Kinesis and Firehose, API ingestion"},
	{config.StageStorage, "Storage: bronze, silver and gold buckets"},
	{config.StageCatalog, "Catalog and query: Glue crawlers, Athena"},
	{config.StageProcessing, "Processing: the speed layer's freshness in silver"},
	{config.StageOrchestration, "Orchestration: Airflow"},
	{config.StageDatabase, "Database: RDS PostgreSQL, the source of change data capture"},
	{config.StageNetwork, "Network: NAT gateways"},
}

// NewMonitoringStack creates the alert topic, each stage's alarms and alerts, and the
// dashboard. It is built last, from the handles of the stacks it watches. To watch a new
// stack, add its handle to the props and a few m.alarm / m.onEvent lines to its stage below.
func NewMonitoringStack(scope constructs.Construct, id string, props *MonitoringStackProps) *MonitoringStack {
	env := props.Env
	stack := newStack(scope, id, env, "Alert topic, alarms of every pipeline stage and dashboard of "+env.Name)
	key, topic := alertTopic(stack, env)
	s := &MonitoringStack{
		Stack:     stack,
		Topic:     topic,
		Key:       key,
		Publisher: alarms.Publisher(stack, "AlertPublisher", topic),
		Alarms:    map[string][]awscloudwatch.Alarm{},
		Rules:     map[string][]awsevents.Rule{},
		Budget:    monthlyBudget(stack, env, key, topic, props.SharesAccount),
	}
	m := &monitor{stack: s, env: env, widgets: map[string][]awscloudwatch.IWidget{},
		period: awscdk.Duration_Minutes(jsii.Number(float64(env.Monitoring.PeriodMinutes)))}

	if props.Cdc != nil {
		m.dmsTask(props.Cdc)
	}
	if props.Streaming != nil {
		for _, stream := range env.Streaming.Streams {
			m.stream(stream.Name, props.Streaming.Streams[stream.Name])
			m.delivery(stream.Name, props.Streaming.DeliveryStreams[stream.Name])
		}
	}
	if props.Databricks != nil {
		for _, stream := range env.SpeedStreams() {
			m.speedFreshness(stream.Name)
		}
	}
	for _, layer := range []struct {
		name   string
		bucket awss3.IBucket
	}{{config.LayerBronze, props.DataLake.Bronze}, {config.LayerSilver, props.DataLake.Silver}, {config.LayerGold, props.DataLake.Gold}} {
		m.bucketErrors(layer.name, layer.bucket)
	}
	if props.Catalog != nil {
		m.crawlerFailures(props.Catalog)
	}
	if props.Analytics != nil {
		m.queries(props.Analytics)
	}
	if props.Database != nil {
		m.database(props.Database.Instance)
	}
	if props.Airflow != nil {
		m.airflow(props.Airflow)
	}
	for i, natID := range natGatewayIDs(props.Network.Vpc) {
		m.natGateway("Nat", "nat", i+1, natID)
	}
	if props.Databricks != nil {
		for i, natID := range natGatewayIDs(props.Databricks.Vpc) {
			m.natGateway("DatabricksNat", "databricks-nat", i+1, natID)
		}
	}

	s.Dashboard = m.dashboard()
	return s
}

// alertTopic creates the topic and its key. SNS encrypts messages at rest with the key, so
// every publisher must be allowed to use it: CloudWatch (alarms) through the topic and key
// policies, the EventBridge rules' publisher role through its grant, the MWAA execution role
// through its own policy (stacks/airflow_role.go). The topic refuses publishers that do not use
// TLS.
func alertTopic(stack awscdk.Stack, env config.Environment) (awskms.Key, awssns.Topic) {
	key := awskms.NewKey(stack, jsii.String("AlertsKey"), &awskms.KeyProps{
		Alias:             jsii.String(env.AlertsKeyAlias()),
		Description:       jsii.String("Encrypts the alert topic of " + env.Name),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removalPolicy(env),
	})
	// AWS's documented statement for alarms publishing to an encrypted topic. The key alone
	// publishes nothing: the topic policy admits no other account.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmsToPublishToTheAlertTopic"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
	}), nil)
	topic := awssns.NewTopic(stack, jsii.String("AlertTopic"), &awssns.TopicProps{
		TopicName:   jsii.String(env.AlertTopicName()),
		DisplayName: jsii.String("Data platform " + env.Name + " alerts"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	// A topic policy replaces SNS's default one, so without this statement no alarm could
	// publish (AWS's documented statement, scoped to this account's alarms of this environment).
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmsOfThisEnvironmentToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": env.Account},
			"ArnLike":      map[string]any{"aws:SourceArn": alarmArns(stack, env)},
		},
	}))
	for _, email := range env.Monitoring.AlertEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return key, topic
}

// alarmArns covers every alarm of the environment: each is named <prefix>-<env>-<stage>-<what>
// (config.AlarmName).
func alarmArns(stack awscdk.Stack, env config.Environment) string {
	return fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", *stack.Partition(), env.Region, env.Account, env.ResourceName("*"))
}

// monitor adds alarms and alerts stage by stage and remembers each stage's widgets.
type monitor struct {
	stack   *MonitoringStack
	env     config.Environment
	period  awscdk.Duration
	widgets map[string][]awscloudwatch.IWidget
}

// alarm adds a metric alarm to stage with the thresholds of cfg, and its widget to the row.
func (m *monitor) alarm(stage, id, what string, metric awscloudwatch.IMetric, cfg config.Alarm, description string) {
	m.scaledAlarm(stage, id, what, metric, cfg, 1, "", description)
}

// scaledAlarm is alarm for a metric whose unit differs from config's: the threshold is
// cfg.Threshold times scale (GiB to bytes, seconds to milliseconds, percent to a ratio).
// An empty comparison means ">= threshold".
func (m *monitor) scaledAlarm(stage, id, what string, metric awscloudwatch.IMetric, cfg config.Alarm, scale float64,
	comparison awscloudwatch.ComparisonOperator, description string) {
	m.addAlarm(stage, id, what, &alarms.Props{
		Metric:            metric,
		Threshold:         float64(cfg.Threshold) * scale,
		EvaluationPeriods: cfg.EvaluationPeriods,
		Comparison:        comparison,
		Description:       description,
	})
}

// addAlarm creates the alarm of props, named for stage and sending to the topic, and adds its
// widget to the stage's row.
func (m *monitor) addAlarm(stage, id, what string, props *alarms.Props) {
	props.Name, props.Topic = m.env.AlarmName(stage, what), m.stack.Topic
	alarm := alarms.New(m.stack.Stack, id, props)
	m.stack.Alarms[stage] = append(m.stack.Alarms[stage], alarm)
	m.widgets[stage] = append(m.widgets[stage], awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
		Alarm: alarm, Title: jsii.String(what), Width: jsii.Number(6), Height: jsii.Number(6),
	}))
}

// graph adds a graph without an alarm to stage's row: context for the alarms next to it.
func (m *monitor) graph(stage, title string, metrics ...awscloudwatch.IMetric) {
	m.widgets[stage] = append(m.widgets[stage], awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Left: &metrics, Width: jsii.Number(6), Height: jsii.Number(6),
	}))
}

// opts are the metric options of every alarm: the configured period and a statistic.
func (m *monitor) opts(statistic *string) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Period: m.period, Statistic: statistic}
}

// onEvent adds an EventBridge alert to stage, and a graph of its matches and failed
// deliveries to the row.
func (m *monitor) onEvent(stage, id, title string, pattern *awsevents.EventPattern, description string) {
	rule := alarms.OnEvent(m.stack.Stack, id, &alarms.EventProps{Pattern: pattern, Description: description,
		Topic: m.stack.Topic, Publisher: m.stack.Publisher})
	m.stack.Rules[stage] = append(m.stack.Rules[stage], rule)
	m.widgets[stage] = append(m.widgets[stage], awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title),
		Left: &[]awscloudwatch.IMetric{
			alarms.RuleMetric(rule, "TriggeredRules", m.period),
			alarms.RuleMetric(rule, "FailedInvocations", m.period),
		},
		Width: jsii.Number(6), Height: jsii.Number(6),
	}))
}

// dmsTaskAlertEvents are the DMS task event types that alert: an OOM or fatal error is
// REPLICATION_TASK_FAILED, not STOPPED, so both are needed.
var dmsTaskAlertEvents = []string{"REPLICATION_TASK_FAILED", "REPLICATION_TASK_STOPPED"}

// dmsTask alerts on the DMS replication task failing or stopping, and alarms on its CDC
// latency (ingestion stage). DMS reports failures as events, not metrics. A
// full-load-and-cdc task never stops on its own, so a stop means change capture is paused: a
// deliberate stop alerts too, once. The rule names the task's ARN: two environments may share
// an account, and each must hear only about its own task.
func (m *monitor) dmsTask(cdc *CdcStack) {
	m.onEvent(config.StageIngestion, "DmsTaskFailed", "DMS task failures", &awsevents.EventPattern{
		Source:     jsii.Strings("aws.dms"),
		DetailType: jsii.Strings("DMS Replication Task State Change"),
		Resources:  &[]*string{cdc.ReplicationTask.Ref()},
		Detail:     &map[string]any{"eventType": dmsTaskAlertEvents},
	}, "The DMS replication task of "+m.env.Name+" failed or stopped: change data capture into bronze has stopped.")

	// DMS publishes task metrics under the instance's identifier (the name we gave it) and the
	// task's resource ID: the last field of its ARN (arn:aws:dms:<region>:<account>:task:<ID>),
	// which DMS generates, not the task's identifier.
	dimensions := &map[string]*string{
		"ReplicationInstanceIdentifier": cdc.ReplicationInstance.ReplicationInstanceIdentifier(),
		"ReplicationTaskIdentifier":     DmsTaskResourceID(cdc),
	}
	metric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/DMS"), MetricName: jsii.String(name), DimensionsMap: dimensions,
			Statistic: awscloudwatch.Stats_MAXIMUM(), Period: m.period,
		})
	}
	mon := m.env.Monitoring
	m.alarm(config.StageIngestion, "CdcSourceLatency", "cdc-source-latency", metric("CDCLatencySource"), mon.CdcSourceLatencySeconds,
		"DMS reads the source database's changes late (CDCLatencySource, seconds): look at the task log and the database's load.")
	m.alarm(config.StageIngestion, "CdcTargetLatency", "cdc-target-latency", metric("CDCLatencyTarget"), mon.CdcTargetLatencySeconds,
		"DMS writes changes to bronze late (CDCLatencyTarget, seconds): if source latency is low, the replication instance or S3 is the bottleneck.")
}

// DmsTaskResourceID is the resource ID DMS generates for a task: the last field of its ARN,
// the value of the ReplicationTaskIdentifier dimension of the task's CloudWatch metrics.
//
// The ARN is read through an explicit export of the Cdc stack (Fn::ImportValue), not the
// app's default weak reference (Fn::GetStackOutput): CloudFormation documents Fn::Split over
// Fn::ImportValue, and cfn-lint rejects it over Fn::GetStackOutput. The export pins the task
// while this stack imports it; the stateful-resource guard already blocks replacing the task.
func DmsTaskResourceID(cdc *CdcStack) *string {
	arn := cdc.Stack.ExportValue(cdc.ReplicationTask.Ref(), nil)
	return awscdk.Fn_Select(jsii.Number(6), awscdk.Fn_Split(jsii.String(":"), arn, nil))
}

// stream alarms on one Kinesis stream's oldest unread record and its throttled writes
// (ingestion stage).
func (m *monitor) stream(name string, stream awskinesis.Stream) {
	mon := m.env.Monitoring
	id := streamID(name)
	m.scaledAlarm(config.StageIngestion, id+"IteratorAge", name+"-iterator-age",
		stream.MetricGetRecordsIteratorAgeMilliseconds(m.opts(awscloudwatch.Stats_MAXIMUM())), mon.StreamIteratorAgeSeconds, 1000, "",
		"Firehose reads the "+name+" stream late (iterator age): records are piling up and expire after the stream's retention.")
	m.alarm(config.StageIngestion, id+"WriteThrottles", name+"-write-throttles",
		stream.MetricWriteProvisionedThroughputExceeded(m.opts(awscloudwatch.Stats_SUM())), mon.StreamWriteThrottles,
		"Writes to the "+name+" stream were refused for exceeding its capacity: producers retry or lose events; add shards or switch to on-demand.")
}

// delivery alarms on one Firehose delivery stream's data freshness and failed deliveries to
// bronze (ingestion stage).
func (m *monitor) delivery(name string, delivery awskinesisfirehose.DeliveryStream) {
	mon := m.env.Monitoring
	id := streamID(name)
	m.alarm(config.StageIngestion, id+"DeliveryFreshness", name+"-delivery-freshness",
		delivery.Metric(jsii.String("DeliveryToS3.DataFreshness"), m.opts(awscloudwatch.Stats_MAXIMUM())), mon.DeliveryFreshnessSeconds,
		"Firehose holds "+name+" records longer than expected before writing them to bronze: look at its error log group and the bronze bucket's 5xx.")
	// Success is delivered puts over attempted puts: its average is 1 when every write worked.
	m.scaledAlarm(config.StageIngestion, id+"DeliveryFailures", name+"-delivery-failures",
		delivery.Metric(jsii.String("DeliveryToS3.Success"), m.opts(awscloudwatch.Stats_AVERAGE())), mon.DeliverySuccessPercent, 0.01,
		awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		"Firehose failed to write "+name+" records to bronze (it retries, then writes them under errors/): look at its error log group.")
}

// speedFreshness alarms on the age of the newest event of one stream in silver, which the
// streaming job publishes every minute (processing stage). A stopped job publishes nothing,
// so missing data breaches.
func (m *monitor) speedFreshness(name string) {
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(config.SpeedMetricNamespace),
		MetricName:    jsii.String(config.SpeedFreshnessMetric),
		DimensionsMap: &map[string]*string{config.SpeedStreamDimension: jsii.String(m.env.StreamName(name))},
		Period:        m.period,
		Statistic:     awscloudwatch.Stats_MAXIMUM(),
	})
	cfg := m.env.Monitoring.SpeedFreshnessSeconds
	m.addAlarm(config.StageProcessing, streamID(name)+"SpeedFreshness", name+"-speed-freshness", &alarms.Props{
		Metric:            metric,
		Threshold:         float64(cfg.Threshold),
		EvaluationPeriods: cfg.EvaluationPeriods,
		MissingData:       awscloudwatch.TreatMissingData_BREACHING,
		Description: "The newest " + name + " event in silver is older than expected, or the streaming job stopped publishing: " +
			"look at the speed-layer job's runs in Databricks and at the stream's delivery alarms.",
	})
}

// streamID turns a stream's config name into a logical-ID part: web-events -> WebEvents.
func streamID(name string) string {
	var b strings.Builder
	for _, word := range strings.Split(name, "-") {
		b.WriteString(titleCase(word))
	}
	return b.String()
}

// bucketErrors alarms on one layer bucket's 5xx and 4xx responses (storage stage), read from
// the request metrics that securebucket publishes when RequestMetrics is on.
func (m *monitor) bucketErrors(layer string, bucket awss3.IBucket) {
	metric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/S3"),
			MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{
				"BucketName": bucket.BucketName(),
				"FilterId":   jsii.String(securebucket.RequestMetricsFilter),
			},
			Statistic: awscloudwatch.Stats_SUM(),
			Period:    m.period,
		})
	}
	title := titleCase(layer)
	mon := m.env.Monitoring
	m.alarm(config.StageStorage, title+"ServerErrors", layer+"-5xx-errors", metric("5xxErrors"), mon.S3ServerErrors,
		"S3 answered requests to the "+layer+" bucket with server errors (5xx): writers and readers are failing or retrying.")
	m.alarm(config.StageStorage, title+"ClientErrors", layer+"-4xx-errors", metric("4xxErrors"), mon.S3ClientErrors,
		"Unusually many client errors (4xx) on the "+layer+" bucket: look for AccessDenied in its server access logs.")
}

// crawlerFailures alerts on this environment's Glue crawlers ending in Failed (catalog stage),
// matched by the names the Catalog stack gave them.
func (m *monitor) crawlerFailures(catalog *CatalogStack) {
	var names []string
	for _, family := range config.CrawlerFamilies {
		if crawler, ok := catalog.Crawlers[family]; ok {
			names = append(names, crawler.Name)
		}
	}
	m.onEvent(config.StageCatalog, "CrawlerFailed", "Glue crawler failures", &awsevents.EventPattern{
		Source:     jsii.Strings("aws.glue"),
		DetailType: jsii.Strings("Glue Crawler State Change"),
		Detail:     &map[string]any{"state": []string{"Failed"}, "crawlerName": names},
	}, "A Glue crawler of "+m.env.Name+" failed: new bronze partitions and schema changes are not in the catalog.")
}

// queries graphs the bytes each workgroup scans, and alerts on the failed queries of the
// configured workgroups (catalog stage). Athena has no failure metric; it reports every
// query's end as an event, best effort.
func (m *monitor) queries(analytics *AnalyticsStack) {
	var scanned []awscloudwatch.IMetric
	for _, audience := range config.Workgroups {
		wg, ok := analytics.Workgroups[audience]
		if !ok {
			continue
		}
		// Athena publishes ProcessedBytes per workgroup, query state and query type; SEARCH
		// adds up every state and type of the one workgroup.
		scanned = append(scanned, awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SUM(SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="%s"', 'Sum', %d))`,
				wg.Name, m.env.Monitoring.PeriodMinutes*60)),
			Label:        jsii.String(audience),
			Period:       m.period,
			UsingMetrics: &map[string]awscloudwatch.IMetric{},
		}))
	}
	if len(scanned) > 0 {
		m.graph(config.StageCatalog, "Athena bytes scanned per workgroup", scanned...)
	}
	var names []string
	for _, audience := range m.env.Monitoring.FailedQueryWorkgroups {
		if wg, ok := analytics.Workgroups[audience]; ok {
			names = append(names, wg.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	m.onEvent(config.StageCatalog, "QueryFailed", "Athena query failures", &awsevents.EventPattern{
		Source:     jsii.Strings("aws.athena"),
		DetailType: jsii.Strings("Athena Query State Change"),
		Detail:     &map[string]any{"currentState": []string{"FAILED"}, "workgroupName": names},
	}, "An Athena query failed in "+strings.Join(names, ", ")+": the event names the query execution; its error is in the Athena console.")
}

// database alarms on the source database's CPU, free storage and replication-slot lag, and
// graphs the WAL it keeps (database stage). A stalled DMS task keeps its logical slot's WAL
// on the database's disk until the disk is full; the slot lag fires well before that.
func (m *monitor) database(db awsrds.DatabaseInstance) {
	mon := m.env.Monitoring
	m.alarm(config.StageDatabase, "DatabaseCpu", "cpu", db.MetricCPUUtilization(m.opts(awscloudwatch.Stats_AVERAGE())), mon.DatabaseCPUPercent,
		"The source database's CPU is high: applications and DMS's logical decoding compete for it.")
	m.scaledAlarm(config.StageDatabase, "DatabaseFreeStorage", "free-storage",
		db.MetricFreeStorageSpace(m.opts(awscloudwatch.Stats_MINIMUM())), mon.DatabaseFreeStorageGiB, gibibyte,
		awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		"The source database is running out of storage (storage autoscaling stops at its maximum): check the replication-slot lag first.")
	m.scaledAlarm(config.StageDatabase, "ReplicationSlotLag", "replication-slot-lag",
		db.Metric(jsii.String("OldestReplicationSlotLag"), m.opts(awscloudwatch.Stats_MAXIMUM())), mon.ReplicationSlotLagMiB, mebibyte, "",
		"A replication slot holds back much WAL: DMS is not consuming changes (task stopped or slow) and the WAL fills the disk.")
	m.graph(config.StageDatabase, "WAL on disk (bytes)",
		db.Metric(jsii.String("TransactionLogsDiskUsage"), m.opts(awscloudwatch.Stats_MAXIMUM())),
		db.Metric(jsii.String("ReplicationSlotDiskUsage"), m.opts(awscloudwatch.Stats_MAXIMUM())))
}

// airflow alarms when MWAA's scheduler stops beating and when tasks wait in the queue longer
// than workers can take them (orchestration stage). MWAA publishes both under AmazonMWAA with
// the environment's name and the Airflow component as dimensions.
func (m *monitor) airflow(a *AirflowStack) {
	mon := m.env.Monitoring
	metric := func(name, function string, statistic *string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AmazonMWAA"),
			MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{
				"Environment": a.Environment.Name(),
				"Function":    jsii.String(function),
			},
			Period:    m.period,
			Statistic: statistic,
		})
	}
	// A dead scheduler publishes nothing, so missing data breaches. An environment whose DAGs
	// are all paused publishes nothing either: the platform's DAGs are meant to run.
	m.addAlarm(config.StageOrchestration, "AirflowSchedulerHeartbeat", "scheduler-heartbeat", &alarms.Props{
		Metric:            metric("SchedulerHeartbeat", "Scheduler", awscloudwatch.Stats_SAMPLE_COUNT()),
		Threshold:         float64(mon.AirflowSchedulerHeartbeats.Threshold),
		EvaluationPeriods: mon.AirflowSchedulerHeartbeats.EvaluationPeriods,
		Comparison:        awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		MissingData:       awscloudwatch.TreatMissingData_BREACHING,
		Description:       "Airflow's scheduler beat less often than expected (or not at all): no DAG run starts. Check the scheduler logs of the MWAA environment.",
	})
	m.alarm(config.StageOrchestration, "AirflowQueuedTasks", "queued-tasks", metric("QueuedTasks", "Executor", awscloudwatch.Stats_MAXIMUM()),
		mon.AirflowQueuedTasks, "Tasks wait in Airflow's queue: workers are at their maximum or failing to start. Raise airflow.maxWorkers or check the worker logs.")
}

// Bytes per unit of the config's sizes.
const (
	mebibyte = 1 << 20
	gibibyte = 1 << 30
)

// natGateway alarms on one NAT gateway's port exhaustion and dropped packets (network stage).
// idPrefix and namePrefix tell the VPCs apart: "Nat" and "nat" for the platform's, whose
// logical IDs predate the Databricks VPC's.
func (m *monitor) natGateway(idPrefix, namePrefix string, n int, natID *string) {
	metric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/NATGateway"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"NatGatewayId": natID},
			Statistic:     awscloudwatch.Stats_SUM(),
			Period:        m.period,
		})
	}
	mon := m.env.Monitoring
	m.alarm(config.StageNetwork, fmt.Sprintf("%s%dPortAllocationErrors", idPrefix, n), fmt.Sprintf("%s%d-port-allocation-errors", namePrefix, n),
		metric("ErrorPortAllocation"), mon.NATPortAllocationErrors,
		"A NAT gateway could not open connections (source ports exhausted): private-subnet egress fails.")
	m.alarm(config.StageNetwork, fmt.Sprintf("%s%dPacketsDropped", idPrefix, n), fmt.Sprintf("%s%d-packets-dropped", namePrefix, n),
		metric("PacketsDropCount"), mon.NATPacketsDropped,
		"A NAT gateway dropped packets: private-subnet egress is degraded.")
}

// dashboard lays every stage with widgets out as one row under a title.
func (m *monitor) dashboard() awscloudwatch.Dashboard {
	d := awscloudwatch.NewDashboard(m.stack.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(m.env.DashboardName()),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(24)),
	})
	for _, stage := range stages {
		widgets := m.widgets[stage.name]
		if len(widgets) == 0 {
			continue
		}
		d.AddWidgets(awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
			Markdown: jsii.String("## " + stage.title), Width: jsii.Number(24), Height: jsii.Number(1),
		}))
		d.AddWidgets(widgets...)
	}
	// CloudFormation accepts Tags on dashboards (CDK's resource spec has them), but cfn-lint
	// 1.51's schema predates them: silence that one false positive on this resource only.
	d.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cfn-lint"),
		map[string]any{"config": map[string]any{"ignore_checks": []string{"E3002"}}})
	return d
}

// natGatewayIDs are the IDs of the VPC's NAT gateways, one per public subnet that has one.
// ec2.Vpc creates each as the child "NATGateway" of its public subnet and exposes no list.
func natGatewayIDs(vpc awsec2.IVpc) []*string {
	var ids []*string
	for _, subnet := range *vpc.PublicSubnets() {
		if nat, ok := subnet.Node().TryFindChild(jsii.String("NATGateway")).(awsec2.CfnNatGateway); ok {
			ids = append(ids, nat.AttrNatGatewayId())
		}
	}
	return ids
}

// titleCase upper-cases the first letter of an ASCII word: bronze -> Bronze.
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
