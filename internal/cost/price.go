package cost

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dataplatform/config"
)

// databricksCluster is the type of the rows that price the speed layer's cluster, which config
// holds (databricks.nodeType, databricks.workers, streaming.speedLayer), not the templates.
const databricksCluster = "Databricks::Cluster"

// Line is one priced quantity of one resource: quantity units a month at the unit price.
type Line struct {
	Path      string
	Type      string
	Dimension string
	Quantity  float64
	Unit      string
	UnitPrice float64
	Monthly   float64
	Row       Row
}

// Report is one environment's fixed monthly cost, and the usage prices that come on top.
type Report struct {
	Env    string
	Region string
	Table  *Table
	Lines  []Line
	// Usage are the usage rows of the types this environment has.
	Usage []Row
	Total float64
}

// Environments returns config's environments by name, for the Databricks rows.
func Environments() map[string]config.Environment {
	out := map[string]config.Environment{}
	for _, e := range config.All() {
		out[e.Name] = e
	}
	return out
}

// Price prices every stage of the assembly in dir with its region's table, the speed layer's
// cluster from envs. It fails naming every resource whose type the table does not classify or
// whose fixed price has no row. Account stages (account-<id>) are checked but not reported.
func Price(dir string, envs map[string]config.Environment, tableOf func(region string) (*Table, error)) ([]Report, error) {
	stages, err := LoadAssembly(dir)
	if err != nil {
		return nil, err
	}
	var reports []Report
	var problems []string
	for _, s := range stages {
		region := s.Region
		if e, ok := envs[s.Name]; ok && region == "" {
			region = e.Region
		}
		table, err := tableOf(region)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		r := Report{Env: s.Name, Region: region, Table: table}
		p := pricer{table: table, report: &r}
		usage := map[string]bool{}
		for _, res := range s.Resources {
			class, ok := table.Types[res.Type]
			switch {
			case !ok:
				p.problem(res, "type %s is not classified in %s (types: fixed, usage or free)", res.Type, table.File)
				continue
			case class == Free:
				continue
			}
			usage[res.Type] = true
			p.resource(res)
		}
		if e, ok := envs[s.Name]; ok {
			p.databricks(s.Name, e)
			if e.Databricks.Enabled {
				usage[databricksCluster] = true
			}
		}
		problems = append(problems, p.problems...)
		for _, row := range table.UsageRows() {
			if usage[row.Type] {
				r.Usage = append(r.Usage, row)
			}
		}
		for _, l := range r.Lines {
			r.Total += l.Monthly
		}
		if !strings.HasPrefix(s.Name, "account-") {
			reports = append(reports, r)
		}
	}
	// config's order (develop, staging, production), then the others by name
	order := func(name string) int {
		for i, e := range config.All() {
			if e.Name == name {
				return i
			}
		}
		return len(envs)
	}
	slices.SortStableFunc(reports, func(a, b Report) int { return order(a.Env) - order(b.Env) })
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, errors.New(strings.Join(slices.Compact(problems), "\n"))
	}
	return reports, nil
}

// FixedMonthly is each environment's fixed monthly cost in USD, of the cloud assembly in dir,
// with the committed price tables and config's Databricks settings.
func FixedMonthly(dir string) (map[string]float64, error) {
	reports, err := Price(dir, Environments(), LoadRegion)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, r := range reports {
		out[r.Env] = r.Total
	}
	return out, nil
}

type pricer struct {
	table    *Table
	report   *Report
	problems []string
}

func (p *pricer) problem(res Resource, format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf("%s (%s): %s", res.Path, res.Type, fmt.Sprintf(format, args...)))
}

// add prices quantity units of the row typ/dimension for res; a missing row is a problem.
func (p *pricer) add(res Resource, dimension string, quantity float64) {
	row, ok := p.table.Row(res.Type, dimension)
	if !ok || row.Usage {
		p.problem(res, "no price row %q for type %s in %s", dimension, res.Type, p.table.File)
		return
	}
	p.report.Lines = append(p.report.Lines, Line{
		Path: res.Path, Type: res.Type, Dimension: dimension, Quantity: quantity, Unit: row.Unit,
		UnitPrice: row.Price, Monthly: quantity * row.Price, Row: row,
	})
}

// resource prices one fixed or usage resource: its rows that bill while it exists.
func (p *pricer) resource(res Resource) {
	props := res.Properties
	switch res.Type {
	case "AWS::EC2::NatGateway":
		p.add(res, "hour", HoursPerMonth)
	case "AWS::EC2::EIP":
		p.add(res, "public-ipv4-hour", HoursPerMonth)
	case "AWS::EC2::VPCEndpoint":
		switch str(props["VpcEndpointType"], "Gateway") {
		case "Gateway":
		case "Interface":
			zones := len(list(props["SubnetIds"]))
			if zones == 0 {
				p.problem(res, "an interface endpoint with no SubnetIds: its zones cannot be counted")
				return
			}
			p.add(res, "interface-az-hour", float64(zones*HoursPerMonth))
		default:
			p.problem(res, "endpoint type %v is not priced", props["VpcEndpointType"])
		}
	case "AWS::KMS::Key":
		p.add(res, "key-month", 1)
	case "AWS::SecretsManager::Secret":
		p.add(res, "secret-month", 1)
	case "AWS::CloudWatch::Dashboard":
		p.add(res, "dashboard-month", 1)
	case "AWS::CloudWatch::Alarm":
		p.alarm(res)
	case "AWS::RDS::DBInstance":
		multi := multiAZ(props["MultiAZ"])
		p.add(res, "instance-hour:"+str(props["DBInstanceClass"], "")+multi, HoursPerMonth)
		// CloudFormation's default storage type is gp2 (io1 where Iops is set).
		p.add(res, "storage:"+str(props["StorageType"], "gp2")+multi, number(props["AllocatedStorage"], 0))
	case "AWS::DMS::ReplicationInstance":
		multi := multiAZ(props["MultiAZ"])
		p.add(res, "instance-hour:"+str(props["ReplicationInstanceClass"], "")+multi, HoursPerMonth)
		// DMS's default allocated storage is 50 GB (AWS::DMS::ReplicationInstance, AllocatedStorage).
		p.add(res, "storage:gp2"+multi, number(props["AllocatedStorage"], 50))
	case "AWS::MWAA::Environment":
		p.mwaa(res)
	case "AWS::Kinesis::Stream":
		mode := "PROVISIONED"
		if d, ok := props["StreamModeDetails"].(map[string]any); ok {
			mode = str(d["StreamMode"], mode)
		}
		retention := number(props["RetentionPeriodHours"], 24)
		if mode == "ON_DEMAND" {
			p.add(res, "stream-hour:on-demand", HoursPerMonth)
			return // its extended retention is per GB: a usage row
		}
		shards := number(props["ShardCount"], 1)
		p.add(res, "shard-hour:provisioned", shards*HoursPerMonth)
		if retention > 24 && retention <= 168 {
			p.add(res, "extended-retention-shard-hour:provisioned", shards*HoursPerMonth)
		} else if retention > 168 {
			p.problem(res, "long-term retention (%v hours) is not priced", retention)
		}
	case "AWS::S3::Bucket":
		// Request metrics bill as custom metrics: up to 16 per metrics configuration.
		if n := len(list(props["MetricsConfigurations"])); n > 0 {
			p.add(res, "request-metrics-metric-month", float64(16*n))
		}
	}
}

// alarm prices a standard alarm per metric it reads, and each custom metric it reads once per
// environment (a namespace outside AWS/ and MWAA's own).
func (p *pricer) alarm(res Resource) {
	props := res.Properties
	if period := number(props["Period"], 60); period < 60 {
		p.problem(res, "a high-resolution alarm (period %v s) is not priced", period)
		return
	}
	type metric struct{ namespace, name, dimensions string }
	var metrics []metric
	if props["MetricName"] != nil {
		metrics = append(metrics, metric{str(props["Namespace"], ""), str(props["MetricName"], ""), jsonKey(props["Dimensions"])})
	}
	for _, m := range list(props["Metrics"]) {
		stat, _ := m.(map[string]any)["MetricStat"].(map[string]any)
		if stat == nil {
			continue // an expression, not a metric
		}
		mm, _ := stat["Metric"].(map[string]any)
		metrics = append(metrics, metric{str(mm["Namespace"], ""), str(mm["MetricName"], ""), jsonKey(mm["Dimensions"])})
	}
	if len(metrics) == 0 {
		p.problem(res, "an alarm that reads no metric")
		return
	}
	p.add(res, "alarm-metric-month:standard", float64(len(metrics)))
	for _, m := range metrics {
		if strings.HasPrefix(m.namespace, "AWS/") || m.namespace == "AmazonMWAA" {
			continue
		}
		custom := Resource{Path: p.report.Env + "/custom metric " + m.namespace + "/" + m.name + m.dimensions, Type: res.Type}
		if slices.ContainsFunc(p.report.Lines, func(l Line) bool { return l.Path == custom.Path }) {
			continue
		}
		p.add(custom, "custom-metric-month", 1)
	}
}

// mwaa prices the environment by class, and the schedulers, minimum workers and minimum web
// servers above those its price includes.
func (p *pricer) mwaa(res Resource) {
	props := res.Properties
	class := str(props["EnvironmentClass"], "mw1.small")
	included, ok := p.table.MWAAIncluded[class]
	if !ok {
		included = p.table.MWAAIncluded["default"]
	}
	p.add(res, "environment-hour:"+class, HoursPerMonth)
	extra := func(what string, have float64, inc int) {
		if n := have - float64(inc); n > 0 {
			p.add(res, what+"-hour:"+class, n*HoursPerMonth)
		}
	}
	extra("scheduler", number(props["Schedulers"], float64(included.Schedulers)), included.Schedulers)
	extra("worker", number(props["MinWorkers"], float64(included.Workers)), included.Workers)
	extra("webserver", number(props["MinWebservers"], float64(included.Webservers)), included.Webservers)
}

// databricks prices the speed layer's always-on job cluster where config runs it: the driver
// and databricks.workers workers of databricks.nodeType, EC2 and DBUs, around the clock.
func (p *pricer) databricks(stage string, e config.Environment) {
	if !e.Databricks.Enabled || !e.Streaming.SpeedLayer {
		return
	}
	res := Resource{
		Path: stage + "/Databricks speed layer (config databricks.nodeType, databricks.workers)",
		Type: databricksCluster,
	}
	nodes := float64(1 + e.Databricks.Workers)
	node := e.Databricks.NodeType
	p.add(res, "ec2-instance-hour:"+node, nodes*HoursPerMonth)
	rate, ok := p.table.Row(databricksCluster, "dbu-per-instance-hour:"+node)
	if !ok {
		p.problem(res, "no price row %q for type %s in %s", "dbu-per-instance-hour:"+node, databricksCluster, p.table.File)
		return
	}
	p.add(res, "dbu:jobs-compute-premium", nodes*HoursPerMonth*rate.Price)
	if last := &p.report.Lines[len(p.report.Lines)-1]; rate.Unverified != "" && last.Row.Unverified == "" {
		last.Row.Unverified = "its DBU rate: " + rate.Unverified
	}
}

func str(v any, fallback string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return fallback
}

func number(v any, fallback float64) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case string:
		if f, err := strconv.ParseFloat(n, 64); err == nil {
			return f
		}
	}
	return fallback
}

func multiAZ(v any) string {
	if v == true || v == "true" {
		return ":multi-az"
	}
	return ""
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// jsonKey is a stable text of a metric's dimensions, to tell custom metrics apart.
func jsonKey(v any) string {
	var parts []string
	for _, d := range list(v) {
		m, _ := d.(map[string]any)
		parts = append(parts, fmt.Sprintf("%v=%v", m["Name"], m["Value"]))
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Sort(parts)
	return " {" + strings.Join(parts, ", ") + "}"
}
