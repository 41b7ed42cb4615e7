package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInvalidAirflow(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"unsupported version", func(e *Environment) { e.Airflow.Version = "2.4.3" },
			[]string{`staging: airflow.version "2.4.3": must be an MWAA Airflow version: one of 3.2.1`}},
		{"airflow 2 cannot run the task-sdk DAGs", func(e *Environment) { e.Airflow.Version = "2.11.0" },
			[]string{`staging: airflow.version "2.11.0": must be an MWAA Airflow version: one of 3.2.1`}},
		{"unknown class", func(e *Environment) { e.Airflow.EnvironmentClass = "mw1.huge" },
			[]string{`staging: airflow.environmentClass "mw1.huge": must be one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge`}},
		{"no workers", func(e *Environment) { e.Airflow.MinWorkers = 0 },
			[]string{`staging: airflow.minWorkers 0: must be from 1 to maxWorkers (5)`}},
		{"min above max", func(e *Environment) { e.Airflow.MinWorkers = 6 },
			[]string{`staging: airflow.minWorkers 6: must be from 1 to maxWorkers (5)`}},
		{"too many workers", func(e *Environment) { e.Airflow.MaxWorkers = 26 },
			[]string{`staging: airflow.maxWorkers 26: must be from 1 to 25 for mw1.small`}},
		{"micro with two workers", func(e *Environment) {
			e.Airflow.EnvironmentClass, e.Airflow.Schedulers, e.Airflow.MaxWorkers = "mw1.micro", 1, 2
		}, []string{`staging: airflow.maxWorkers 2: must be from 1 to 1 for mw1.micro`}},
		{"micro with two schedulers", func(e *Environment) {
			e.Airflow.EnvironmentClass, e.Airflow.MaxWorkers = "mw1.micro", 1
		}, []string{`staging: airflow.schedulers 2: must be 1 for mw1.micro`}},
		{"one scheduler on small", func(e *Environment) { e.Airflow.Schedulers = 1 },
			[]string{`staging: airflow.schedulers 1: must be from 2 to 5 for mw1.small`}},
		{"six schedulers", func(e *Environment) { e.Airflow.Schedulers = 6 },
			[]string{`staging: airflow.schedulers 6: must be from 2 to 5 for mw1.small`}},
		{"access mode", func(e *Environment) { e.Airflow.WebserverAccessMode = "PRIVATE" },
			[]string{`staging: airflow.webserverAccessMode "PRIVATE": must be PRIVATE_ONLY or PUBLIC_ONLY`}},
		{"maintenance window lowercase", func(e *Environment) { e.Airflow.MaintenanceWindow = "sun:03:00" },
			[]string{`staging: airflow.maintenanceWindow "sun:03:00": must be DDD:HH:MM in UTC on the hour or half hour, such as SUN:03:00`}},
		{"maintenance window quarter hour", func(e *Environment) { e.Airflow.MaintenanceWindow = "SUN:03:15" },
			[]string{`staging: airflow.maintenanceWindow "SUN:03:15": must be DDD:HH:MM in UTC on the hour or half hour, such as SUN:03:00`}},
		{"maintenance window hour 24", func(e *Environment) { e.Airflow.MaintenanceWindow = "MON:24:00" },
			[]string{`staging: airflow.maintenanceWindow "MON:24:00": must be DDD:HH:MM in UTC on the hour or half hour, such as SUN:03:00`}},
		{"log level", func(e *Environment) { e.Airflow.LogLevel = "VERBOSE" },
			[]string{`staging: airflow.logLevel "VERBOSE": must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG`}},
		{"task log level", func(e *Environment) { e.Airflow.TaskLogLevel = "info" },
			[]string{`staging: airflow.taskLogLevel "info": must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG`}},
	})
}

// TestAirflowVersionIsTheSameEverywhere: one DAG lock serves every environment, so an
// environment on another version is refused, naming the one it differs from.
func TestAirflowVersionIsTheSameEverywhere(t *testing.T) {
	other := production()
	AirflowVersions = append(AirflowVersions, "3.3.1")
	t.Cleanup(func() { AirflowVersions = AirflowVersions[:len(AirflowVersions)-1] })
	other.Airflow.Version = "3.3.1"
	err := Validate(staging(), other)
	require.EqualError(t, err, `production: airflow.version "3.3.1": must be the same in every environment (staging runs 3.2.1): one DAG lock and requirements.txt serve them all`)
	require.NoError(t, Validate(All()...))
}
