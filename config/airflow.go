package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Airflow sizes the MWAA environment that runs the platform's DAGs.
type Airflow struct {
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

func (a Airflow) validate(v *validator) {
	v.check(slices.Contains(AirflowVersions, a.Version), "airflow.version", a.Version,
		"must be an MWAA Airflow version: one of "+strings.Join(AirflowVersions, ", "))
	v.check(slices.Contains(AirflowEnvironmentClasses, a.EnvironmentClass), "airflow.environmentClass", a.EnvironmentClass,
		"must be one of "+strings.Join(AirflowEnvironmentClasses, ", "))
	maxWorkers := 25
	if a.EnvironmentClass == microClass {
		maxWorkers = 1
	}
	v.check(a.MinWorkers >= 1 && a.MinWorkers <= a.MaxWorkers, "airflow.minWorkers", a.MinWorkers,
		fmt.Sprintf("must be from 1 to maxWorkers (%d)", a.MaxWorkers))
	v.check(a.MaxWorkers >= 1 && a.MaxWorkers <= maxWorkers, "airflow.maxWorkers", a.MaxWorkers,
		fmt.Sprintf("must be from 1 to %d for %s", maxWorkers, a.EnvironmentClass))
	if a.EnvironmentClass == microClass {
		v.check(a.Schedulers == 1, "airflow.schedulers", a.Schedulers, "must be 1 for mw1.micro")
	} else {
		v.check(a.Schedulers >= 2 && a.Schedulers <= 5, "airflow.schedulers", a.Schedulers,
			fmt.Sprintf("must be from 2 to 5 for %s", a.EnvironmentClass))
	}
	v.check(a.WebserverAccessMode == WebserverPrivateOnly || a.WebserverAccessMode == WebserverPublicOnly,
		"airflow.webserverAccessMode", a.WebserverAccessMode, fmt.Sprintf("must be %s or %s", WebserverPrivateOnly, WebserverPublicOnly))
	v.check(maintenanceWindowPattern.MatchString(a.MaintenanceWindow), "airflow.maintenanceWindow", a.MaintenanceWindow,
		"must be DDD:HH:MM in UTC on the hour or half hour, such as SUN:03:00")
	a.validateLogLevel(v, "airflow.logLevel", a.LogLevel)
	a.validateLogLevel(v, "airflow.taskLogLevel", a.TaskLogLevel)
}

func (a Airflow) validateLogLevel(v *validator, field, level string) {
	v.check(slices.Contains(AirflowLogLevels, level), field, level, "must be one of "+strings.Join(AirflowLogLevels, ", "))
}
