package config

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInvalidSmoke(t *testing.T) {
	assertInvalid(t, production, []invalid{
		{"six-field cron", func(e *Environment) { e.Smoke.Schedule = "0 6 * * ? *" },
			[]string{`production: smoke.schedule "0 6 * * ? *": must be "" or a five-field cron expression (minute hour day-of-month month day-of-week, UTC), such as "0 6 * * *": it has 6 fields, not 5`}},
		{"hour out of range", func(e *Environment) { e.Smoke.Schedule = "0 24 * * *" },
			[]string{`production: smoke.schedule "0 24 * * *": must be "" or a five-field cron expression (minute hour day-of-month month day-of-week, UTC), such as "0 6 * * *": it has an invalid hour field "24": values 0-23 with , - * /`}},
		{"Glue's question mark", func(e *Environment) { e.Smoke.Schedule = "0 6 ? * MON" },
			[]string{`production: smoke.schedule "0 6 ? * MON": must be "" or a five-field cron expression (minute hour day-of-month month day-of-week, UTC), such as "0 6 * * *": it has an invalid day-of-month field "?": values 1-31 with , - * /`}},
		// The alert emails' own rule reports the empty list; the schedule says why it matters.
		{"schedule without anyone alerted", func(e *Environment) { e.Monitoring.AlertEmails = nil },
			[]string{
				`production: monitoring.alertEmails []: must name at least one address: an alarm nobody receives is noise`,
				`production: smoke.schedule "0 6 * * *": must be "" unless monitoring.alertEmails names someone: a scheduled run reports its failures only to the alert topic`,
			}},
	})
}

func TestSmokeSchedulesAccepted(t *testing.T) {
	for _, expr := range []string{"0 6 * * *", "*/15 * * * *", "30 2 1-7 JAN-MAR MON", "0 0 * * 0,6", "5 4 * * SUN"} {
		assert.Empty(t, airflowCronProblem(expr), expr)
	}
}

// The committed environments: develop and staging write marked data, production does not and
// runs on a schedule.
func TestSmokeSettings(t *testing.T) {
	assert.Equal(t, Smoke{WriteSources: true}, develop().Smoke)
	assert.Equal(t, Smoke{WriteSources: true}, staging().Smoke)
	assert.False(t, production().Smoke.WriteSources)
	assert.NotEmpty(t, production().Smoke.Schedule)
	// The zero value writes nothing and schedules nothing.
	var zero Smoke
	assert.False(t, zero.WriteSources)
	assert.Empty(t, zero.Schedule)
}

func stageNames(stages []SmokeStage) []string {
	var out []string
	for _, s := range stages {
		out = append(out, s.Name)
	}
	return out
}

func budget(t *testing.T, e Environment, name string) int {
	t.Helper()
	for _, s := range e.SmokeStages() {
		if s.Name == name {
			require.NotEmpty(t, s.From, name)
			return s.BudgetSeconds
		}
	}
	require.Failf(t, "stage missing", "%s has no stage %s: %v", e.Name, name, stageNames(e.SmokeStages()))
	return 0
}

func TestSmokeStagesPerEnvironment(t *testing.T) {
	assert.Equal(t, SmokeStageNames, stageNames(staging().SmokeStages()), "staging runs every stage")
	// develop has no Databricks: nothing in silver or serving.
	assert.Equal(t, []string{SmokeDatabaseBronze, SmokeStreamBronze, SmokeAPIBronze, SmokeReaders}, stageNames(develop().SmokeStages()))
	// production writes nothing to its sources.
	assert.Equal(t, []string{SmokeAPIBronze, SmokeAPISilver, SmokeReaders}, stageNames(production().SmokeStages()))
	assert.Equal(t, []string{SmokeAPIBronze, SmokeReaders}, stageNames(Environment{Silver: Silver{APISources: DeclaredAPISources()}}.SmokeStages()))
	assert.Equal(t, []string{SmokeReaders}, stageNames(Environment{}.SmokeStages()), "the zero value writes nothing")
}

// Each budget follows the config value it is derived from: change the value, the budget moves.
func TestSmokeBudgetsDeriveFromConfig(t *testing.T) {
	e := staging()
	assert.Equal(t, e.Monitoring.CdcTargetLatencySeconds.Threshold, budget(t, e, SmokeDatabaseBronze))
	assert.Equal(t, e.Monitoring.SpeedFreshnessSeconds.Threshold, budget(t, e, SmokeStreamSilver))
	assert.Equal(t, budget(t, e, SmokeStreamSilver), budget(t, e, SmokeStreamServing))
	assert.Equal(t, 300+SmokeDeliverySlackSeconds, budget(t, e, SmokeStreamBronze), "staging buffers 300 s")
	assert.Equal(t, e.Monitoring.CdcTargetLatencySeconds.Threshold+BatchJobTimeoutSeconds, budget(t, e, SmokeDatabaseSilver))
	assert.Equal(t, budget(t, e, SmokeDatabaseSilver), budget(t, e, SmokeDatabaseHistory))
	assert.Equal(t, e.Monitoring.CdcTargetLatencySeconds.Threshold+BatchJobTimeoutSeconds+GoldRunBudgetSeconds, budget(t, e, SmokeDatabaseServing))
	assert.Equal(t, APIIngestionBudgetSeconds+BatchJobTimeoutSeconds, budget(t, e, SmokeAPISilver))

	changed := staging()
	changed.Monitoring.CdcTargetLatencySeconds.Threshold += 100
	changed.Monitoring.SpeedFreshnessSeconds.Threshold += 60
	over := 700
	changed.Streaming.Streams[1].BufferingIntervalSeconds = over
	assert.Equal(t, budget(t, e, SmokeDatabaseBronze)+100, budget(t, changed, SmokeDatabaseBronze))
	assert.Equal(t, budget(t, e, SmokeDatabaseSilver)+100, budget(t, changed, SmokeDatabaseSilver))
	assert.Equal(t, budget(t, e, SmokeStreamSilver)+60, budget(t, changed, SmokeStreamSilver))
	assert.Equal(t, over+SmokeDeliverySlackSeconds, budget(t, changed, SmokeStreamBronze), "the longest buffering of any stream")

	// The warehouse's promise caps the serving stage.
	changed.Warehouse.FreshnessHours = 2
	assert.Equal(t, 7200, budget(t, changed, SmokeDatabaseServing))
	assert.Contains(t, changed.SmokeStages()[3].From, "warehouse.freshnessHours (2 h)")
}

func TestSmokeStagesOption(t *testing.T) {
	assert.Equal(t, "database_bronze=1800,stream_bronze=180,api_bronze=1800,readers=900", develop().SmokeStagesOption())
}

// The fixed budgets are the timeouts of the jobs and DAG tasks they stand for.
func TestSmokeFixedBudgetsMatchTheirTimeouts(t *testing.T) {
	for _, c := range []struct {
		file, pattern string
		want          int
		scale         int
	}{
		{"../jobs/resources/bronze_to_silver.job.yml", `(?m)^      timeout_seconds: ([0-9]+)$`, BatchJobTimeoutSeconds, 1},
		{"../dags/bronze_pipeline.py", `warehouse\.gold\("gold".*execution_timeout=timedelta\(hours=([0-9]+)\)`, GoldRunBudgetSeconds, 3600},
		{"../dags/api_ingestion.py", `"execution_timeout": timedelta\(minutes=([0-9]+)\)`, APIIngestionBudgetSeconds, 60},
	} {
		text, err := os.ReadFile(c.file)
		require.NoError(t, err)
		m := regexp.MustCompile(c.pattern).FindSubmatch(text)
		require.NotNil(t, m, "%s: no %s", c.file, c.pattern)
		n, err := strconv.Atoi(string(m[1]))
		require.NoError(t, err)
		assert.Equal(t, c.want, n*c.scale, "%s: the smoke's budget stands for this timeout", c.file)
	}
}

func TestSmokeNames(t *testing.T) {
	e := staging()
	assert.Equal(t, "dataplatform-staging-smoke-postgres", e.SmokeSecretName())
	assert.Equal(t, "dataplatform-staging-smoke-analyst", e.SmokeAnalystRoleName())
	assert.Equal(t, "DataPlatform/Smoke/staging", e.SmokeMetricNamespace())
	assert.NotEqual(t, e.SmokeMetricNamespace(), production().SmokeMetricNamespace())
}
