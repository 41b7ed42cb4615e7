package config

import "testing"

func TestInvalidMonitoring(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"no alert email", func(e *Environment) { e.Monitoring.AlertEmails = nil },
			[]string{`staging: monitoring.alertEmails []: must name at least one address: an alarm nobody receives is noise`}},
		{"not an email", func(e *Environment) { e.Monitoring.AlertEmails = []string{"data-team"} },
			[]string{`staging: monitoring.alertEmails[0] "data-team": must be a plain email address such as data-alerts@example.com`}},
		{"display name", func(e *Environment) { e.Monitoring.AlertEmails = []string{"Data <data@example.com>"} },
			[]string{`staging: monitoring.alertEmails[0] "Data <data@example.com>": must be a plain email address such as data-alerts@example.com`}},
		{"undotted domain", func(e *Environment) { e.Monitoring.AlertEmails = []string{"data@localhost"} },
			[]string{`staging: monitoring.alertEmails[0] "data@localhost": must be a plain email address such as data-alerts@example.com`}},
		{"repeated email", func(e *Environment) { e.Monitoring.AlertEmails = []string{"a@example.com", "a@example.com"} },
			[]string{`staging: monitoring.alertEmails[1] "a@example.com": must not repeat another address`}},
		{"period zero", func(e *Environment) { e.Monitoring.PeriodMinutes = 0 },
			[]string{`staging: monitoring.periodMinutes 0: must be from 1 to 60`}},
		{"period over an hour", func(e *Environment) { e.Monitoring.PeriodMinutes = 90 },
			[]string{`staging: monitoring.periodMinutes 90: must be from 1 to 60`}},
		{"zero threshold", func(e *Environment) { e.Monitoring.S3ServerErrors.Threshold = 0 },
			[]string{`staging: monitoring.s3ServerErrors.threshold 0: must be at least 1`}},
		{"no evaluation period", func(e *Environment) { e.Monitoring.NATPortAllocationErrors.EvaluationPeriods = 0 },
			[]string{`staging: monitoring.natPortAllocationErrors.evaluationPeriods 0: must be from 1 to 288: CloudWatch evaluates at most one day of 5-minute periods`}},
		{"evaluation longer than a day", func(e *Environment) {
			e.Monitoring.PeriodMinutes = 60
			e.Monitoring.NATPacketsDropped.EvaluationPeriods = 25
		},
			[]string{`staging: monitoring.natPacketsDropped.evaluationPeriods 25: must be from 1 to 24: CloudWatch evaluates at most one day of 60-minute periods`}},
		{"every threshold at once", func(e *Environment) {
			e.Monitoring.S3ClientErrors = Alarm{}
			e.Monitoring.NATPacketsDropped.Threshold = -1
		}, []string{
			`staging: monitoring.s3ClientErrors.threshold 0: must be at least 1`,
			`staging: monitoring.s3ClientErrors.evaluationPeriods 0: must be from 1 to 288: CloudWatch evaluates at most one day of 5-minute periods`,
			`staging: monitoring.natPacketsDropped.threshold -1: must be at least 1`,
		}},
	})
}
