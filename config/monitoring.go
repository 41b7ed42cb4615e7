package config

import (
	"fmt"
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
	DatabaseCPUPercent Alarm
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

func (m Monitoring) validate(v *validator, e Environment) {
	v.check(len(m.AlertEmails) >= 1, "monitoring.alertEmails", m.AlertEmails,
		"must name at least one address: an alarm nobody receives is noise")
	for i, email := range m.AlertEmails {
		field := fmt.Sprintf("monitoring.alertEmails[%d]", i)
		v.check(validEmail(email), field, email, "must be a plain email address such as data-alerts@example.com")
		v.check(!slices.Contains(m.AlertEmails[:i], email), field, email, "must not repeat another address")
	}
	if !v.checked(m.PeriodMinutes >= 1 && m.PeriodMinutes <= 60, "monitoring.periodMinutes", m.PeriodMinutes, "must be from 1 to 60") {
		return
	}
	m.S3ServerErrors.validate(v, "monitoring.s3ServerErrors", m.PeriodMinutes)
	m.S3ClientErrors.validate(v, "monitoring.s3ClientErrors", m.PeriodMinutes)
	m.NATPortAllocationErrors.validate(v, "monitoring.natPortAllocationErrors", m.PeriodMinutes)
	m.NATPacketsDropped.validate(v, "monitoring.natPacketsDropped", m.PeriodMinutes)
	m.validateDatabase(v, e.Database)
	m.CdcSourceLatencySeconds.validate(v, "monitoring.cdcSourceLatencySeconds", m.PeriodMinutes)
	m.CdcTargetLatencySeconds.validate(v, "monitoring.cdcTargetLatencySeconds", m.PeriodMinutes)
	m.validateStreaming(v, e.Streaming)
	m.AirflowSchedulerHeartbeats.validate(v, "monitoring.airflowSchedulerHeartbeats", m.PeriodMinutes)
	m.AirflowQueuedTasks.validate(v, "monitoring.airflowQueuedTasks", m.PeriodMinutes)
	for i, audience := range m.FailedQueryWorkgroups {
		field := fmt.Sprintf("monitoring.failedQueryWorkgroups[%d]", i)
		v.check(slices.Contains(Workgroups, audience), field, audience, "must be one of "+strings.Join(Workgroups, ", "))
		v.check(!slices.Contains(m.FailedQueryWorkgroups[:i], audience), field, audience, "must not repeat another workgroup")
	}
}

// validateDatabase checks the source database's thresholds against its disk.
func (m Monitoring) validateDatabase(v *validator, db Database) {
	m.DatabaseCPUPercent.validate(v, "monitoring.databaseCpuPercent", m.PeriodMinutes)
	v.check(m.DatabaseCPUPercent.Threshold <= 100, "monitoring.databaseCpuPercent.threshold", m.DatabaseCPUPercent.Threshold,
		"must be at most 100 (percent)")
	m.DatabaseFreeStorageGiB.validate(v, "monitoring.databaseFreeStorageGiB", m.PeriodMinutes)
	v.check(m.DatabaseFreeStorageGiB.Threshold < db.AllocatedStorageGiB, "monitoring.databaseFreeStorageGiB.threshold", m.DatabaseFreeStorageGiB.Threshold,
		fmt.Sprintf("must be below database.allocatedStorageGiB (%d): it is the free space left on that disk", db.AllocatedStorageGiB))
	m.ReplicationSlotLagMiB.validate(v, "monitoring.replicationSlotLagMiB", m.PeriodMinutes)
	v.check(m.ReplicationSlotLagMiB.Threshold < db.AllocatedStorageGiB*1024, "monitoring.replicationSlotLagMiB.threshold", m.ReplicationSlotLagMiB.Threshold,
		fmt.Sprintf("must be below database.allocatedStorageGiB in MiB (%d): the retained WAL fills that disk first", db.AllocatedStorageGiB*1024))
}

// validateStreaming checks the stream and delivery thresholds against the streams' settings.
func (m Monitoring) validateStreaming(v *validator, s Streaming) {
	m.StreamIteratorAgeSeconds.validate(v, "monitoring.streamIteratorAgeSeconds", m.PeriodMinutes)
	m.StreamWriteThrottles.validate(v, "monitoring.streamWriteThrottles", m.PeriodMinutes)
	m.DeliveryFreshnessSeconds.validate(v, "monitoring.deliveryFreshnessSeconds", m.PeriodMinutes)
	m.DeliverySuccessPercent.validate(v, "monitoring.deliverySuccessPercent", m.PeriodMinutes)
	v.check(m.DeliverySuccessPercent.Threshold <= 100, "monitoring.deliverySuccessPercent.threshold", m.DeliverySuccessPercent.Threshold,
		"must be at most 100 (percent)")
	if len(s.Streams) == 0 {
		return
	}
	shortest, longest := s.Streams[0].RetentionHours, s.Streams[0].BufferingIntervalSeconds
	for _, stream := range s.Streams {
		shortest = min(shortest, stream.RetentionHours)
		longest = max(longest, stream.BufferingIntervalSeconds)
	}
	// Out-of-range stream settings are streaming's errors; comparing with them adds noise.
	v.check(shortest < 24 || m.StreamIteratorAgeSeconds.Threshold < shortest*3600, "monitoring.streamIteratorAgeSeconds.threshold", m.StreamIteratorAgeSeconds.Threshold,
		fmt.Sprintf("must be below the shortest streaming.streams[].retentionHours in seconds (%d): older records expire unread", shortest*3600))
	v.check(longest > 900 || m.DeliveryFreshnessSeconds.Threshold > longest, "monitoring.deliveryFreshnessSeconds.threshold", m.DeliveryFreshnessSeconds.Threshold,
		fmt.Sprintf("must be above the longest streaming.streams[].bufferingIntervalSeconds (%d): Firehose holds records that long by design", longest))
}

func (a Alarm) validate(v *validator, field string, periodMinutes int) {
	v.check(a.Threshold >= 1, field+".threshold", a.Threshold, "must be at least 1")
	most := maxAlarmMinutes / periodMinutes
	v.check(a.EvaluationPeriods >= 1 && a.EvaluationPeriods <= most, field+".evaluationPeriods", a.EvaluationPeriods,
		fmt.Sprintf("must be from 1 to %d: CloudWatch evaluates at most one day of %d-minute periods", most, periodMinutes))
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
