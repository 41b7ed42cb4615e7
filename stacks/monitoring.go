package stacks

import (
	"fmt"

	"dataplatform/config"
	"dataplatform/constructs/alarms"
	"dataplatform/constructs/securebucket"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MonitoringStackProps configures NewMonitoringStack: the handles of every stack it watches.
type MonitoringStackProps struct {
	// Env is the environment being built; Env.Monitoring holds recipients and thresholds.
	Env config.Environment
	// Network's NAT gateways are watched for port exhaustion and dropped packets.
	Network *NetworkStack
	// DataLake's bronze, silver and gold buckets are watched for 4xx and 5xx responses.
	DataLake *DataLakeStack
	// ReplicationTaskArns scope the DMS task-failure alert to this environment's tasks. Empty,
	// it matches every DMS task of the account and region.
	ReplicationTaskArns []*string
}

// MonitoringStack is the environment's alerting: one KMS-encrypted SNS topic that every alarm
// and failure event publishes to, and a dashboard with one row per pipeline stage.
type MonitoringStack struct {
	awscdk.Stack
	// Topic receives every alarm, recovery and failure event of the environment.
	Topic awssns.Topic
	// Key encrypts Topic; CloudWatch alarms and EventBridge may use it to publish.
	Key awskms.Key
	// Dashboard shows every stage that has something to watch, one row each.
	Dashboard awscloudwatch.Dashboard
	// Alarms are the metric alarms of each stage, keyed by config.Stage*.
	Alarms map[string][]awscloudwatch.Alarm
	// Rules are the EventBridge alerts of each stage, keyed by config.Stage*.
	Rules map[string][]awsevents.Rule
}

// stages are the dashboard's rows, top to bottom: the pipeline in the order data moves, then
// the network it runs on. A stage with nothing to watch gets no row.
var stages = []struct{ name, title string }{
	{config.StageIngestion, "Ingestion: DMS change data capture, Kinesis and Firehose, API ingestion"},
	{config.StageStorage, "Storage: bronze, silver and gold buckets"},
	{config.StageCatalog, "Catalog and query: Glue crawlers, Athena"},
	{config.StageOrchestration, "Orchestration: Airflow"},
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
		Stack:  stack,
		Topic:  topic,
		Key:    key,
		Alarms: map[string][]awscloudwatch.Alarm{},
		Rules:  map[string][]awsevents.Rule{},
	}
	m := &monitor{stack: s, env: env, widgets: map[string][]awscloudwatch.IWidget{},
		period: awscdk.Duration_Minutes(jsii.Number(float64(env.Monitoring.PeriodMinutes)))}

	m.dmsTaskFailures(props.ReplicationTaskArns)
	for _, layer := range []struct {
		name   string
		bucket awss3.IBucket
	}{{config.LayerBronze, props.DataLake.Bronze}, {config.LayerSilver, props.DataLake.Silver}, {config.LayerGold, props.DataLake.Gold}} {
		m.bucketErrors(layer.name, layer.bucket)
	}
	m.crawlerFailures()
	for i, natID := range natGatewayIDs(props.Network.Vpc) {
		m.natGateway(i+1, natID)
	}

	s.Dashboard = m.dashboard()
	return s
}

// alertTopic creates the topic and its key. SNS encrypts messages at rest with the key, so
// every service that publishes must be allowed to use it: CloudWatch (alarms) and EventBridge
// (rules). The topic refuses publishers that do not use TLS.
func alertTopic(stack awscdk.Stack, env config.Environment) (awskms.Key, awssns.Topic) {
	key := awskms.NewKey(stack, jsii.String("AlertsKey"), &awskms.KeyProps{
		Alias:             jsii.String(env.ResourceName("alerts")),
		Description:       jsii.String("Encrypts the alert topic of " + env.Name),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removalPolicy(env),
	})
	// No source-account condition: the services use the key only to publish to this topic,
	// and only this account's alarms and rules may publish to it (the topic policy).
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("AllowAlarmsAndEventBridgeToPublishToTheAlertTopic"),
		Principals: &[]awsiam.IPrincipal{
			awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil),
			awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
		},
		Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources: jsii.Strings("*"),
	}), nil)
	topic := awssns.NewTopic(stack, jsii.String("AlertTopic"), &awssns.TopicProps{
		TopicName:   jsii.String(env.AlertTopicName()),
		DisplayName: jsii.String("Data platform " + env.Name + " alerts"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	for _, email := range env.Monitoring.AlertEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return key, topic
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
	alarm := alarms.New(m.stack.Stack, id, &alarms.Props{
		Name:              m.env.AlarmName(stage, what),
		Metric:            metric,
		Threshold:         float64(cfg.Threshold),
		EvaluationPeriods: cfg.EvaluationPeriods,
		Description:       description,
		Topic:             m.stack.Topic,
	})
	m.stack.Alarms[stage] = append(m.stack.Alarms[stage], alarm)
	m.widgets[stage] = append(m.widgets[stage], awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
		Alarm: alarm, Title: jsii.String(what), Width: jsii.Number(6), Height: jsii.Number(6),
	}))
}

// onEvent adds an EventBridge alert to stage, and a graph of its matches and failed
// deliveries to the row.
func (m *monitor) onEvent(stage, id, title string, pattern *awsevents.EventPattern, description string) {
	rule := alarms.OnEvent(m.stack.Stack, id, &alarms.EventProps{Pattern: pattern, Description: description, Topic: m.stack.Topic})
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

// dmsTaskFailures alerts on DMS replication tasks that fail or stop (ingestion stage). DMS
// reports both as events, not metrics. A full-load-and-cdc task never stops on its own, so a
// stop means change capture is paused: a deliberate stop alerts too, once.
func (m *monitor) dmsTaskFailures(taskArns []*string) {
	pattern := &awsevents.EventPattern{
		Source:     jsii.Strings("aws.dms"),
		DetailType: jsii.Strings("DMS Replication Task State Change"),
		Detail:     &map[string]any{"eventType": dmsTaskAlertEvents},
	}
	if len(taskArns) > 0 {
		pattern.Resources = &taskArns
	}
	m.onEvent(config.StageIngestion, "DmsTaskFailed", "DMS task failures", pattern,
		"A DMS replication task of "+m.env.Name+" failed or stopped: change data capture into bronze has stopped.")
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

// crawlerFailures alerts on this environment's Glue crawlers ending in Failed (catalog stage).
func (m *monitor) crawlerFailures() {
	var names []string
	for _, family := range config.CrawlerFamilies {
		names = append(names, m.env.CrawlerName(family))
	}
	m.onEvent(config.StageCatalog, "CrawlerFailed", "Glue crawler failures", &awsevents.EventPattern{
		Source:     jsii.Strings("aws.glue"),
		DetailType: jsii.Strings("Glue Crawler State Change"),
		Detail:     &map[string]any{"state": []string{"Failed"}, "crawlerName": names},
	}, "A Glue crawler of "+m.env.Name+" failed: new bronze partitions and schema changes are not in the catalog.")
}

// natGateway alarms on one NAT gateway's port exhaustion and dropped packets (network stage).
func (m *monitor) natGateway(n int, natID *string) {
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
	m.alarm(config.StageNetwork, fmt.Sprintf("Nat%dPortAllocationErrors", n), fmt.Sprintf("nat%d-port-allocation-errors", n),
		metric("ErrorPortAllocation"), mon.NATPortAllocationErrors,
		"A NAT gateway could not open connections (source ports exhausted): private-subnet egress (Airflow API ingestion) fails.")
	m.alarm(config.StageNetwork, fmt.Sprintf("Nat%dPacketsDropped", n), fmt.Sprintf("nat%d-packets-dropped", n),
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
