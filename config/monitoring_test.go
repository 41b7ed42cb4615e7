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
		{"heartbeat threshold zero", func(e *Environment) { e.Monitoring.AirflowSchedulerHeartbeats.Threshold = 0 },
			[]string{`staging: monitoring.airflowSchedulerHeartbeats.threshold 0: must be at least 1`}},
		{"queued tasks over a day", func(e *Environment) { e.Monitoring.AirflowQueuedTasks.EvaluationPeriods = 500 },
			[]string{`staging: monitoring.airflowQueuedTasks.evaluationPeriods 500: must be from 1 to 288: CloudWatch evaluates at most one day of 5-minute periods`}},
		{"zero threshold", func(e *Environment) { e.Monitoring.S3ServerErrors.Threshold = 0 },
			[]string{`staging: monitoring.s3ServerErrors.threshold 0: must be at least 1`}},
		{"no evaluation period", func(e *Environment) { e.Monitoring.NATPortAllocationErrors.EvaluationPeriods = 0 },
			[]string{`staging: monitoring.natPortAllocationErrors.evaluationPeriods 0: must be from 1 to 288: CloudWatch evaluates at most one day of 5-minute periods`}},
		{"evaluation longer than a day", func(e *Environment) {
			e.Monitoring.PeriodMinutes = 60
			e.Monitoring.NATPacketsDropped.EvaluationPeriods = 25
		},
			[]string{`staging: monitoring.natPacketsDropped.evaluationPeriods 25: must be from 1 to 24: CloudWatch evaluates at most one day of 60-minute periods`}},
		{"cpu over 100 percent", func(e *Environment) { e.Monitoring.DatabaseCPUPercent.Threshold = 101 },
			[]string{`staging: monitoring.databaseCpuPercent.threshold 101: must be at most 100 (percent)`}},
		{"free storage as large as the disk", func(e *Environment) { e.Monitoring.DatabaseFreeStorageGiB.Threshold = 50 },
			[]string{`staging: monitoring.databaseFreeStorageGiB.threshold 50: must be below database.allocatedStorageGiB (50): it is the free space left on that disk`}},
		{"slot lag larger than the disk", func(e *Environment) { e.Monitoring.ReplicationSlotLagMiB.Threshold = 51200 },
			[]string{`staging: monitoring.replicationSlotLagMiB.threshold 51200: must be below database.allocatedStorageGiB in MiB (51200): the retained WAL fills that disk first`}},
		{"no cdc latency threshold", func(e *Environment) { e.Monitoring.CdcTargetLatencySeconds.Threshold = 0 },
			[]string{`staging: monitoring.cdcTargetLatencySeconds.threshold 0: must be at least 1`}},
		{"iterator age beyond retention", func(e *Environment) { e.Monitoring.StreamIteratorAgeSeconds.Threshold = 72 * 3600 },
			[]string{`staging: monitoring.streamIteratorAgeSeconds.threshold 259200: must be below the shortest streaming.streams[].retentionHours in seconds (259200): older records expire unread`}},
		{"freshness within the buffering interval", func(e *Environment) { e.Monitoring.DeliveryFreshnessSeconds.Threshold = 300 },
			[]string{`staging: monitoring.deliveryFreshnessSeconds.threshold 300: must be above the longest streaming.streams[].bufferingIntervalSeconds (300): Firehose holds records that long by design`}},
		{"success over 100 percent", func(e *Environment) { e.Monitoring.DeliverySuccessPercent.Threshold = 110 },
			[]string{`staging: monitoring.deliverySuccessPercent.threshold 110: must be at most 100 (percent)`}},
		{"throttles without evaluation periods", func(e *Environment) { e.Monitoring.StreamWriteThrottles.EvaluationPeriods = 0 },
			[]string{`staging: monitoring.streamWriteThrottles.evaluationPeriods 0: must be from 1 to 288: CloudWatch evaluates at most one day of 5-minute periods`}},
		{"unknown workgroup", func(e *Environment) { e.Monitoring.FailedQueryWorkgroups = []string{"dbt", "spark"} },
			[]string{`staging: monitoring.failedQueryWorkgroups[1] "spark": must be one of analysts, dbt`}},
		{"repeated workgroup", func(e *Environment) { e.Monitoring.FailedQueryWorkgroups = []string{"dbt", "dbt"} },
			[]string{`staging: monitoring.failedQueryWorkgroups[1] "dbt": must not repeat another workgroup`}},
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
