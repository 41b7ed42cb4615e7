package config

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
)

// Monitoring configures the environment's alert topic and the thresholds of its alarms. Every
// metric alarm fires when its metric reaches Threshold in EvaluationPeriods consecutive periods
// of PeriodMinutes; EventBridge alerts (DMS task and Glue crawler failures) need no threshold.
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

func (m Monitoring) validate(v *validator) {
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
