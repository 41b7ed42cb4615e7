package config

import (
	"net/mail"
	"slices"
	"strings"
)

// Monitoring configures the environment's alert topic and the thresholds of its alarms. Every
// metric alarm fires when its metric reaches Threshold in EvaluationPeriods consecutive periods
// of PeriodMinutes (a few fire below it instead, as their comments say); EventBridge alerts
// (DMS task, Glue crawler and Athena query failures) need no threshold.
type Monitoring struct {
	// AlertEmails are subscribed to the alert topic; each address confirms once by email.
	AlertEmails []string
	// PeriodMinutes is the length of one evaluation period of every metric alarm (1 to 60).
	PeriodMinutes int
	// S3ServerErrors counts 5xx responses of one data bucket (bronze, silver or gold).
	S3ServerErrors Alarm
	// S3ClientErrors counts 4xx responses of one data bucket. Spark, Glue and Athena probe for
	// missing keys (404) all the time, so this threshold is high: it catches denied-access storms.
	S3ClientErrors Alarm
	// NATPortAllocationErrors counts connections one NAT gateway could not open (port exhaustion).
	NATPortAllocationErrors Alarm
	// NATPacketsDropped counts packets one NAT gateway dropped.
	NATPacketsDropped Alarm
	// DatabaseCPUPercent is the source database's average CPU utilization, in percent (1-100).
	DatabaseCPUPercent Alarm `config:"databaseCpuPercent"`
	// DatabaseFreeStorageGiB fires when the source database's free storage falls BELOW
	// Threshold GiB; it must be below Database.AllocatedStorageGiB.
	DatabaseFreeStorageGiB Alarm
	// ReplicationSlotLagMiB is the WAL, in MiB, that the most lagging replication slot holds
	// back (RDS OldestReplicationSlotLag): DMS's slot grows when change capture stalls, and the
	// retained WAL fills the database's disk. Below Database.AllocatedStorageGiB in MiB.
	ReplicationSlotLagMiB Alarm
	// CdcSourceLatencySeconds is how far, in seconds, the DMS task's reading trails the source's
	// commits (CDCLatencySource).
	CdcSourceLatencySeconds Alarm
	// CdcTargetLatencySeconds is how far, in seconds, the DMS task's writing to bronze trails the
	// source's commits (CDCLatencyTarget); it includes the source latency.
	CdcTargetLatencySeconds Alarm
	// StreamIteratorAgeSeconds is the age of the oldest record Firehose has not yet read from
	// one stream (GetRecords.IteratorAgeMilliseconds); below every stream's retention, or
	// records expire unread before the alarm fires.
	StreamIteratorAgeSeconds Alarm
	// StreamWriteThrottles counts one stream's writes refused for exceeding its capacity
	// (WriteProvisionedThroughputExceeded).
	StreamWriteThrottles Alarm
	// DeliveryFreshnessSeconds is the age of the oldest record one Firehose delivery stream has
	// not yet written to bronze (DeliveryToS3.DataFreshness); above every stream's
	// BufferingIntervalSeconds, since Firehose holds records that long by design.
	DeliveryFreshnessSeconds Alarm
	// DeliverySuccessPercent fires when fewer than Threshold percent of one delivery stream's
	// writes to bronze succeed (DeliveryToS3.Success, 1-100); 100 alerts on any failure.
	DeliverySuccessPercent Alarm
	// SpeedFreshnessSeconds is the age of the newest event in one stream's silver table, which
	// the streaming job publishes (maximum per period); no data, when the job is down, breaches.
	// Read only where streaming.speedLayer is on; above every stream's Firehose buffering plus
	// its trigger, the latency the speed layer has by design.
	SpeedFreshnessSeconds Alarm
	// AirflowSchedulerHeartbeats fires when Airflow's scheduler beats FEWER than Threshold
	// times in a period (SchedulerHeartbeat sample count); no beat at all counts as breaching.
	AirflowSchedulerHeartbeats Alarm
	// AirflowQueuedTasks is the most tasks waiting in Airflow's queue (QueuedTasks).
	AirflowQueuedTasks Alarm
	// FailedQueryWorkgroups are the Athena audiences (Workgroups) whose failed queries alert.
	// dbt's failures break gold; an analyst's typo fails a query too, which is noise.
	FailedQueryWorkgroups []string
}

// Alarm is when one metric alarm fires.
type Alarm struct {
	// Threshold is the count per period that fires the alarm (at least 1).
	Threshold int
	// EvaluationPeriods is how many consecutive periods must reach Threshold.
	EvaluationPeriods int
}

// maxAlarmMinutes is CloudWatch's limit on periods times evaluation periods: one day.
const maxAlarmMinutes = 24 * 60

var monitoringRules = rules[Environment]{
	{Field: "monitoring.alertEmails", Allowed: "must name at least one address: an alarm nobody receives is noise", check: func(f field, e Environment) {
		f.check(len(e.Monitoring.AlertEmails) >= 1, e.Monitoring.AlertEmails)
	}},
	each(rules[listed[string]]{
		{Field: "monitoring.alertEmails[]", Allowed: "must be a plain email address such as data-alerts@example.com", check: func(f field, a listed[string]) {
			f.check(validEmail(a.value), a.value)
		}},
		{Field: "monitoring.alertEmails[]", Allowed: "must not repeat another address", check: func(f field, a listed[string]) {
			f.check(!slices.Contains(a.earlier, a.value), a.value)
		}},
	}, func(e Environment) []string { return e.Monitoring.AlertEmails }),
	// Every alarm's evaluation periods are counted in this period, so a bad one stops here.
	{Field: "monitoring.periodMinutes", Allowed: "must be from 1 to 60", stop: true, check: func(f field, e Environment) {
		f.check(e.Monitoring.PeriodMinutes >= 1 && e.Monitoring.PeriodMinutes <= 60, e.Monitoring.PeriodMinutes)
	}},
	alarmRule("monitoring.s3ServerErrors", func(m Monitoring) Alarm { return m.S3ServerErrors }),
	alarmRule("monitoring.s3ClientErrors", func(m Monitoring) Alarm { return m.S3ClientErrors }),
	alarmRule("monitoring.natPortAllocationErrors", func(m Monitoring) Alarm { return m.NATPortAllocationErrors }),
	alarmRule("monitoring.natPacketsDropped", func(m Monitoring) Alarm { return m.NATPacketsDropped }),
	// The source database's thresholds, against its disk.
	alarmRule("monitoring.databaseCpuPercent", func(m Monitoring) Alarm { return m.DatabaseCPUPercent }),
	{Field: "monitoring.databaseCpuPercent.threshold", Allowed: "must be at most 100 (percent)", check: func(f field, e Environment) {
		f.check(e.Monitoring.DatabaseCPUPercent.Threshold <= 100, e.Monitoring.DatabaseCPUPercent.Threshold)
	}},
	alarmRule("monitoring.databaseFreeStorageGiB", func(m Monitoring) Alarm { return m.DatabaseFreeStorageGiB }),
	{Field: "monitoring.databaseFreeStorageGiB.threshold", Allowed: "must be below database.allocatedStorageGiB: it is the free space left on that disk",
		check: func(f field, e Environment) {
			threshold, disk := e.Monitoring.DatabaseFreeStorageGiB.Threshold, e.Database.AllocatedStorageGiB
			f.checkf(threshold < disk, threshold, "must be below database.allocatedStorageGiB (%d): it is the free space left on that disk", disk)
		}},
	alarmRule("monitoring.replicationSlotLagMiB", func(m Monitoring) Alarm { return m.ReplicationSlotLagMiB }),
	{Field: "monitoring.replicationSlotLagMiB.threshold", Allowed: "must be below database.allocatedStorageGiB in MiB: the retained WAL fills that disk first",
		check: func(f field, e Environment) {
			threshold, disk := e.Monitoring.ReplicationSlotLagMiB.Threshold, e.Database.AllocatedStorageGiB*1024
			f.checkf(threshold < disk, threshold, "must be below database.allocatedStorageGiB in MiB (%d): the retained WAL fills that disk first", disk)
		}},
	alarmRule("monitoring.cdcSourceLatencySeconds", func(m Monitoring) Alarm { return m.CdcSourceLatencySeconds }),
	alarmRule("monitoring.cdcTargetLatencySeconds", func(m Monitoring) Alarm { return m.CdcTargetLatencySeconds }),
	// The stream and delivery thresholds, against the streams' settings.
	alarmRule("monitoring.streamIteratorAgeSeconds", func(m Monitoring) Alarm { return m.StreamIteratorAgeSeconds }),
	alarmRule("monitoring.streamWriteThrottles", func(m Monitoring) Alarm { return m.StreamWriteThrottles }),
	alarmRule("monitoring.deliveryFreshnessSeconds", func(m Monitoring) Alarm { return m.DeliveryFreshnessSeconds }),
	alarmRule("monitoring.deliverySuccessPercent", func(m Monitoring) Alarm { return m.DeliverySuccessPercent }),
	only(func(e Environment) bool { return e.Streaming.SpeedLayer }, rules[Environment]{
		alarmRule("monitoring.speedFreshnessSeconds", func(m Monitoring) Alarm { return m.SpeedFreshnessSeconds }),
		{Field: "monitoring.speedFreshnessSeconds.threshold", Allowed: "must be above every stream's bufferingIntervalSeconds plus speed.triggerSeconds: the speed layer's latency by design",
			check: func(f field, e Environment) {
				longest := 0
				for _, s := range e.Streaming.Streams {
					longest = max(longest, s.BufferingIntervalSeconds+s.Speed.TriggerSeconds)
				}
				threshold := e.Monitoring.SpeedFreshnessSeconds.Threshold
				f.checkf(threshold > longest, threshold, "must be above %d, the longest bufferingIntervalSeconds plus speed.triggerSeconds of a stream: the speed layer's latency by design", longest)
			}},
	}),
	{Field: "monitoring.deliverySuccessPercent.threshold", Allowed: "must be at most 100 (percent)", check: func(f field, e Environment) {
		f.check(e.Monitoring.DeliverySuccessPercent.Threshold <= 100, e.Monitoring.DeliverySuccessPercent.Threshold)
	}},
	// Out-of-range stream settings are streaming's errors; comparing with them adds noise.
	{Field: "monitoring.streamIteratorAgeSeconds.threshold",
		Allowed: "must be below the shortest streaming.streams[].retentionHours in seconds: older records expire unread",
		check: func(f field, e Environment) {
			if len(e.Streaming.Streams) == 0 {
				return
			}
			shortest, _ := e.Streaming.extremes()
			threshold := e.Monitoring.StreamIteratorAgeSeconds.Threshold
			f.checkf(shortest < 24 || threshold < shortest*3600, threshold,
				"must be below the shortest streaming.streams[].retentionHours in seconds (%d): older records expire unread", shortest*3600)
		}},
	{Field: "monitoring.deliveryFreshnessSeconds.threshold",
		Allowed: "must be above the longest streaming.streams[].bufferingIntervalSeconds: Firehose holds records that long by design",
		check: func(f field, e Environment) {
			if len(e.Streaming.Streams) == 0 {
				return
			}
			_, longest := e.Streaming.extremes()
			threshold := e.Monitoring.DeliveryFreshnessSeconds.Threshold
			f.checkf(longest > 900 || threshold > longest, threshold,
				"must be above the longest streaming.streams[].bufferingIntervalSeconds (%d): Firehose holds records that long by design", longest)
		}},
	alarmRule("monitoring.airflowSchedulerHeartbeats", func(m Monitoring) Alarm { return m.AirflowSchedulerHeartbeats }),
	alarmRule("monitoring.airflowQueuedTasks", func(m Monitoring) Alarm { return m.AirflowQueuedTasks }),
	each(rules[listed[string]]{
		{Field: "monitoring.failedQueryWorkgroups[]", Allowed: "must be one of " + strings.Join(Workgroups, ", "), check: func(f field, w listed[string]) {
			f.check(slices.Contains(Workgroups, w.value), w.value)
		}},
		{Field: "monitoring.failedQueryWorkgroups[]", Allowed: "must not repeat another workgroup", check: func(f field, w listed[string]) {
			f.check(!slices.Contains(w.earlier, w.value), w.value)
		}},
	}, func(e Environment) []string { return e.Monitoring.FailedQueryWorkgroups }),
}

// extremes are the shortest retention and the longest buffering interval of the streams.
func (s Streaming) extremes() (shortestRetentionHours, longestBufferingSeconds int) {
	shortest, longest := s.Streams[0].RetentionHours, s.Streams[0].BufferingIntervalSeconds
	for _, stream := range s.Streams {
		shortest = min(shortest, stream.RetentionHours)
		longest = max(longest, stream.BufferingIntervalSeconds)
	}
	return shortest, longest
}

// periodAlarm is an alarm's setting and the period CloudWatch evaluates it in.
type periodAlarm struct {
	Alarm
	periodMinutes int
}

// alarmRule checks the alarm of Monitoring that get returns, at name.
func alarmRule(name string, get func(Monitoring) Alarm) rule[Environment] {
	return nest(rules[periodAlarm]{
		{Field: name + ".threshold", Allowed: "must be at least 1", check: func(f field, a periodAlarm) {
			f.check(a.Threshold >= 1, a.Threshold)
		}},
		{Field: name + ".evaluationPeriods", Allowed: "must be from 1 to a day of periods (1440 / periodMinutes): CloudWatch evaluates at most one day",
			check: func(f field, a periodAlarm) {
				most := maxAlarmMinutes / a.periodMinutes
				f.checkf(a.EvaluationPeriods >= 1 && a.EvaluationPeriods <= most, a.EvaluationPeriods,
					"must be from 1 to %d: CloudWatch evaluates at most one day of %d-minute periods", most, a.periodMinutes)
			}},
	}, func(e Environment) periodAlarm { return periodAlarm{get(e.Monitoring), e.Monitoring.PeriodMinutes} })
}

// validEmail accepts a bare address (no display name, no angle brackets) with a dotted domain.
func validEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}
