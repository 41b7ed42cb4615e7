package config

import (
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// elementKey is an index ([0]) or a quoted map key (["rds"]) in a reported field.
var elementKey = regexp.MustCompile(`\[(\d+|"(?:[^"\\]|\\.)*")\]`)

// assertReportedByRules checks that every problem names the field of a rule in Rules, so the
// configuration reference lists every field a message can name. assertInvalid calls it for
// every case.
func assertReportedByRules(t *testing.T, errs Errors) {
	t.Helper()
	fields := map[string]bool{}
	for _, r := range Rules() {
		fields[r.Field] = true
	}
	for _, e := range errs {
		assert.True(t, fields[elementKey.ReplaceAllString(e.Field, "[]")], "%s is reported by no rule of Rules()", e.Field)
	}
}

func TestRulesAreDescribed(t *testing.T) {
	all := Rules()
	require.NotEmpty(t, all)
	for _, r := range all {
		assert.NotEmpty(t, r.Field, "a rule without a field: %+v", r)
		assert.NotEmpty(t, r.Allowed, "%s has a rule that says nothing of what it allows", r.Field)
		assert.NotRegexp(t, `%[a-z!]`, r.Allowed, "%s: Allowed is shown as it is; a format verb would print literally", r.Field)
	}
	// The declarations' rules come first, each with its file; then the environments', those
	// across environments at both ends.
	assert.Equal(t, StreamsFile, all[0].File)
	i := slices.Index(all, Rule{Field: "name", Allowed: "must be unique across environments"})
	require.Positive(t, i)
	assert.NotEmpty(t, all[i-1].File)
	assert.Equal(t, "airflow.version", all[len(all)-1].Field)
}

func TestFieldPathFillsIndicesAndKeys(t *testing.T) {
	v := &validator{env: "staging"}
	field{v: v, name: "streaming.streams[].columns[].name", allowed: "must be x", keys: []any{1, 0}}.check(false, "a")
	field{v: v, name: "analytics.workgroups[].bytesScannedCutoffPerQuery", keys: []any{"dbt"}}.checkf(false, 0, "must be %d", 1)
	field{v: v, name: "tags[]", allowed: "ok"}.check(true, "k")
	require.Len(t, v.errs, 2)
	assert.Equal(t, `staging: streaming.streams[1].columns[0].name "a": must be x`, v.errs[0].Error())
	assert.Equal(t, `staging: analytics.workgroups["dbt"].bytesScannedCutoffPerQuery 0: must be 1`, v.errs[1].Error())
}

// TestStopSkipsTheRestOfItsList: a bad period would make every alarm's limit meaningless (and
// divide by zero), so nothing after it in monitoring is checked.
func TestStopSkipsTheRestOfItsList(t *testing.T) {
	env := staging()
	env.Monitoring.PeriodMinutes = 0
	env.Monitoring.S3ServerErrors = Alarm{}
	env.Monitoring.FailedQueryWorkgroups = []string{"spark"}
	err := Validate(env)
	require.EqualError(t, err, `staging: monitoring.periodMinutes 0: must be from 1 to 60`)
}

// TestUncheckedHaveNoRule keeps Unchecked honest: a setting that gains a rule leaves it.
func TestUncheckedHaveNoRule(t *testing.T) {
	for _, r := range Rules() {
		_, listed := Unchecked[r.Field]
		assert.False(t, listed, "%s has a rule and is listed in Unchecked", r.Field)
	}
	for name, reason := range Unchecked {
		assert.NotEmpty(t, reason, name)
	}
}

// TestOrderAcrossEnvironments pins where the rules across environments report: a repeated
// name before the environment's own problems, a differing Airflow version after everyone's.
func TestOrderAcrossEnvironments(t *testing.T) {
	AirflowVersions = append(AirflowVersions, "3.3.1")
	t.Cleanup(func() { AirflowVersions = AirflowVersions[:len(AirflowVersions)-1] })
	again := staging()
	again.Account = "1"
	again.Airflow.Version = "3.3.1"
	last := production()
	last.Cdc.LogRetentionDays = 2
	err := Validate(staging(), again, last)
	require.EqualError(t, err, `staging: name "staging": must be unique across environments
staging: account "1": must be a 12-digit AWS account ID
production: cdc.logRetentionDays 2: must be a CloudWatch Logs retention: one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]
staging: airflow.version "3.3.1": must be the same in every environment (staging runs 3.2.1): one DAG lock and requirements.txt serve them all`)
}
