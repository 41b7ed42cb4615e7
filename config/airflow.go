package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Airflow sizes the MWAA environment that runs the platform's DAGs.
type Airflow struct {
	// Disabled turns MWAA off: no Airflow stack (no environment, source bucket, execution role,
	// security group or REST API relay), no Airflow alarms, no smoke role, and no NAT gateway
	// in the shared VPC, which only MWAA needs. The zero value keeps MWAA on, so an
	// environment that never mentions the switch keeps its orchestrator: forgetting it can
	// cost money, never delete an environment. The sizing below is still checked, so that
	// turning MWAA back on is this line and network.natGateways (docs/costs-and-limits.md).
	Disabled bool
	// Version is the Apache Airflow version MWAA runs; one of AirflowVersions, and the same in
	// every environment, because the DAGs' one lock (dags/uv.lock) and airflow/requirements.txt
	// are made for it (tests check both).
	Version string
	// EnvironmentClass is the MWAA size: one of AirflowEnvironmentClasses.
	EnvironmentClass string
	// MinWorkers and MaxWorkers bound the Celery worker autoscaling (1 <= min <= max <= 25;
	// mw1.micro runs exactly one worker).
	MinWorkers int
	MaxWorkers int
	// Schedulers is how many schedulers run: 2 to 5, except mw1.micro which runs 1.
	Schedulers int
	// WebserverAccessMode is PRIVATE_ONLY (UI reachable from the VPC only) or PUBLIC_ONLY
	// (reachable from the internet, still behind IAM sign-in).
	WebserverAccessMode string
	// MaintenanceWindow is when MWAA may patch the environment each week, DDD:HH:MM in UTC
	// on the hour or half hour, e.g. SUN:03:00.
	MaintenanceWindow string
	// LogLevel is the level of the DAG processing, scheduler, webserver and worker logs.
	LogLevel string
	// TaskLogLevel is the level of the task logs, the ones people read when a run fails.
	TaskLogLevel string
}

// Enabled is whether the environment runs MWAA (airflow.disabled is false).
func (a Airflow) Enabled() bool { return !a.Disabled }

// AirflowVersions are the Apache Airflow versions this app accepts: the Airflow 3 versions
// that both MWAA can create (MWAA User Guide, "Apache Airflow versions on Amazon MWAA":
// 3.0.6, 3.2.1, 3.3.1) and CloudFormation's AWS::MWAA::Environment lists for AirflowVersion
// (CloudFormation Template Reference: 3.0.6, 3.2.1 "(latest)"), and that the DAGs are tested
// on. The DAGs use the Airflow 3 Task SDK, so no 2.x version can run them; 3.0.6 is left out
// because dags/uv.lock and airflow/requirements.txt pin 3.2.1's image.
var AirflowVersions = []string{"3.2.1"}

// AirflowEnvironmentClasses are MWAA's environment sizes, smallest first.
var AirflowEnvironmentClasses = []string{"mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"}

// AirflowLogLevels are the levels MWAA accepts for each of its five log types.
var AirflowLogLevels = []string{"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}

// Webserver access modes of MWAA.
const (
	WebserverPrivateOnly = "PRIVATE_ONLY"
	WebserverPublicOnly  = "PUBLIC_ONLY"
)

// microClass is MWAA's smallest class: one scheduler and one worker, no more.
const microClass = "mw1.micro"

var maintenanceWindowPattern = regexp.MustCompile(`^(MON|TUE|WED|THU|FRI|SAT|SUN):([01][0-9]|2[0-3]):(00|30)$`)

// maxAirflowWorkers is MWAA's limit on workers for every class but mw1.micro.
const maxAirflowWorkers = 25

var airflowRules = rules[Environment]{
	{Field: "airflow.version", Allowed: "must be an MWAA Airflow version: one of " + strings.Join(AirflowVersions, ", "), check: func(f field, e Environment) {
		f.check(slices.Contains(AirflowVersions, e.Airflow.Version), e.Airflow.Version)
	}},
	{Field: "airflow.environmentClass", Allowed: "must be one of " + strings.Join(AirflowEnvironmentClasses, ", "), check: func(f field, e Environment) {
		f.check(slices.Contains(AirflowEnvironmentClasses, e.Airflow.EnvironmentClass), e.Airflow.EnvironmentClass)
	}},
	{Field: "airflow.minWorkers", Allowed: "must be from 1 to maxWorkers", check: func(f field, e Environment) {
		a := e.Airflow
		f.checkf(a.MinWorkers >= 1 && a.MinWorkers <= a.MaxWorkers, a.MinWorkers, "must be from 1 to maxWorkers (%d)", a.MaxWorkers)
	}},
	{Field: "airflow.maxWorkers", Allowed: fmt.Sprintf("must be from 1 to %d, or exactly 1 for %s", maxAirflowWorkers, microClass), check: func(f field, e Environment) {
		a, most := e.Airflow, maxAirflowWorkers
		if a.EnvironmentClass == microClass {
			most = 1
		}
		f.checkf(a.MaxWorkers >= 1 && a.MaxWorkers <= most, a.MaxWorkers, "must be from 1 to %d for %s", most, a.EnvironmentClass)
	}},
	{Field: "airflow.schedulers", Allowed: "must be 1 for " + microClass, check: func(f field, e Environment) {
		f.check(e.Airflow.EnvironmentClass != microClass || e.Airflow.Schedulers == 1, e.Airflow.Schedulers)
	}},
	{Field: "airflow.schedulers", Allowed: "must be from 2 to 5 for every other class", check: func(f field, e Environment) {
		a := e.Airflow
		f.checkf(a.EnvironmentClass == microClass || a.Schedulers >= 2 && a.Schedulers <= 5, a.Schedulers, "must be from 2 to 5 for %s", a.EnvironmentClass)
	}},
	{Field: "airflow.webserverAccessMode", Allowed: fmt.Sprintf("must be %s or %s", WebserverPrivateOnly, WebserverPublicOnly), check: func(f field, e Environment) {
		f.check(e.Airflow.WebserverAccessMode == WebserverPrivateOnly || e.Airflow.WebserverAccessMode == WebserverPublicOnly, e.Airflow.WebserverAccessMode)
	}},
	{Field: "airflow.maintenanceWindow", Allowed: "must be DDD:HH:MM in UTC on the hour or half hour, such as SUN:03:00", check: func(f field, e Environment) {
		f.check(maintenanceWindowPattern.MatchString(e.Airflow.MaintenanceWindow), e.Airflow.MaintenanceWindow)
	}},
	logLevelRule("airflow.logLevel", func(a Airflow) string { return a.LogLevel }),
	logLevelRule("airflow.taskLogLevel", func(a Airflow) string { return a.TaskLogLevel }),
}

// logLevelRule checks the MWAA log level get returns, at name.
func logLevelRule(name string, get func(Airflow) string) rule[Environment] {
	return rule[Environment]{Field: name, Allowed: "must be one of " + strings.Join(AirflowLogLevels, ", "), check: func(f field, e Environment) {
		f.check(slices.Contains(AirflowLogLevels, get(e.Airflow)), get(e.Airflow))
	}}
}
