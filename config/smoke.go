package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Smoke configures platform_smoke, the DAG that pushes marked data through every path of the
// environment and measures each stage against a budget derived from the rest of config
// (SmokeStages). Its zero value is safe: nothing is written to the sources and nothing runs on
// a schedule; the read-only stages (API, readers) still run when the smoke is triggered.
type Smoke struct {
	// WriteSources lets the smoke write marked data into the source database's served table
	// (rows of the canary customer, SmokeCanaryCustomerID) and onto every declared stream
	// (events whose ID starts with SmokeEventPrefix). Off, the database and stream stages are
	// not applicable. Production leaves it off: its source database and streams belong to the
	// business, marked rows would reach its bronze and silver history for good, and a deploy
	// is proved on staging, which has production's shape.
	WriteSources bool
	// Schedule is the cron expression (five fields, UTC, as Airflow reads it) of a scheduled
	// smoke run, which alerts the alert topic when it fails instead of failing a deploy; ""
	// runs it only when triggered (after a deploy, make smoke).
	Schedule string
}

// The marks of the smoke's data: the staging models filter both out, so gold and analysts
// never see them (the DAG owner's set-up SQL creates the canary customer's row once).
const (
	// SmokeCanaryCustomerID is the customer_id of every order row the smoke writes.
	SmokeCanaryCustomerID int64 = -1
	// SmokeEventPrefix starts the event ID of every event the smoke puts on a stream.
	SmokeEventPrefix = "platform-smoke-"
)

// Smoke stage names, in the order SmokeStages returns them (the DAG's arrive_<stage> tasks).
const (
	SmokeDatabaseBronze  = "database_bronze"
	SmokeDatabaseSilver  = "database_silver"
	SmokeDatabaseHistory = "database_history"
	SmokeDatabaseServing = "database_serving"
	SmokeStreamBronze    = "stream_bronze"
	SmokeStreamSilver    = "stream_silver"
	SmokeStreamServing   = "stream_serving"
	SmokeAPIBronze       = "api_bronze"
	SmokeAPISilver       = "api_silver"
	SmokeReaders         = "readers"
)

// SmokeStageNames are every stage, in order; an environment runs those SmokeStages returns.
var SmokeStageNames = []string{
	SmokeDatabaseBronze, SmokeDatabaseSilver, SmokeDatabaseHistory, SmokeDatabaseServing,
	SmokeStreamBronze, SmokeStreamSilver, SmokeStreamServing,
	SmokeAPIBronze, SmokeAPISilver, SmokeReaders,
}

// Fixed parts of the budgets, each the time of a step config does not hold.
const (
	// SmokeDeliverySlackSeconds is what Firehose takes after its buffering interval to write
	// the file to bronze (the S3 put, and for Parquet the conversion).
	SmokeDeliverySlackSeconds = 120
	// BatchJobTimeoutSeconds is the batch job's own timeout (timeout_seconds of
	// jobs/resources/bronze_to_silver.job.yml, which a test keeps equal): a run that takes
	// longer is cancelled, so silver has the marked changes within it or not at all.
	BatchJobTimeoutSeconds = 7200
	// GoldRunBudgetSeconds is the gold group's execution_timeout in dags/bronze_pipeline.py
	// (one hour, which a test keeps equal): dbt's build of gold, the serving view included.
	GoldRunBudgetSeconds = 3600
	// APIIngestionBudgetSeconds is the api_ingestion DAG's execution_timeout per task (30
	// minutes, dags/api_ingestion.py, which a test keeps equal): one source's pull into bronze.
	APIIngestionBudgetSeconds = 1800
	// SmokeReadersBudgetSeconds is the readers' stage: one Athena query per silver and gold
	// table, as the analyst role and in the dbt workgroup, one after the other.
	SmokeReadersBudgetSeconds = 900
)

// SmokeStage is one stage of the smoke run: where the marked data must arrive, and how long
// after marking it may take.
type SmokeStage struct {
	// Name is one of SmokeStageNames.
	Name string
	// BudgetSeconds is the most seconds from marking to arrival before the stage fails.
	BudgetSeconds int
	// From says which config values (and fixed steps) make the budget, for docs and messages.
	From string
}

// SmokeStages are the stages that apply to the environment, in order, each with its budget
// derived from config. A stage whose component is off is left out (the DAG reports it not
// applicable): database stages need smoke.writeSources and a served table, stream stages
// smoke.writeSources and a stream, silver and serving stages Databricks (stream silver the
// speed layer too, stream serving a serving stream), API stages an API source.
func (e Environment) SmokeStages() []SmokeStage {
	var out []SmokeStage
	add := func(ok bool, name string, seconds int, from string) {
		if ok {
			out = append(out, SmokeStage{Name: name, BudgetSeconds: seconds, From: from})
		}
	}
	databricks := e.Databricks.Enabled
	batch := fmt.Sprintf("the batch job's timeout (%d s)", BatchJobTimeoutSeconds)

	_, served := e.ServingTable()
	database := e.Smoke.WriteSources && served
	cdc := e.Monitoring.CdcTargetLatencySeconds.Threshold
	cdcFrom := fmt.Sprintf("monitoring.cdcTargetLatencySeconds.threshold (%d s)", cdc)
	silver := cdc + BatchJobTimeoutSeconds
	add(database, SmokeDatabaseBronze, cdc, cdcFrom)
	add(database && databricks, SmokeDatabaseSilver, silver, cdcFrom+" + "+batch)
	add(database && databricks, SmokeDatabaseHistory, silver, cdcFrom+" + "+batch)
	serving, servingFrom := silver+GoldRunBudgetSeconds, fmt.Sprintf("%s + %s + the gold group's timeout (%d s)", cdcFrom, batch, GoldRunBudgetSeconds)
	if promise := e.Warehouse.FreshnessHours * 3600; promise < serving {
		serving, servingFrom = promise, fmt.Sprintf("warehouse.freshnessHours (%d h), below %s", e.Warehouse.FreshnessHours, servingFrom)
	}
	add(database && databricks, SmokeDatabaseServing, serving, servingFrom)

	streams := e.Smoke.WriteSources && len(e.Streaming.Streams) > 0
	buffering := 0
	for _, s := range e.Streaming.Streams {
		buffering = max(buffering, s.BufferingIntervalSeconds)
	}
	add(streams, SmokeStreamBronze, buffering+SmokeDeliverySlackSeconds,
		fmt.Sprintf("the longest streaming.streams[].bufferingIntervalSeconds (%d s) + Firehose's delivery (%d s)", buffering, SmokeDeliverySlackSeconds))
	speed := streams && databricks && e.Streaming.SpeedLayer
	promise := e.Monitoring.SpeedFreshnessSeconds.Threshold
	promiseFrom := fmt.Sprintf("monitoring.speedFreshnessSeconds.threshold (%d s)", promise)
	add(speed, SmokeStreamSilver, promise, promiseFrom)
	_, servingStream := e.ServingStream()
	add(speed && servingStream, SmokeStreamServing, promise, promiseFrom+": the serving view reads the stream's silver table")

	api := len(e.Silver.APISources) > 0
	apiFrom := fmt.Sprintf("the API ingestion's timeout (%d s)", APIIngestionBudgetSeconds)
	add(api, SmokeAPIBronze, APIIngestionBudgetSeconds, apiFrom)
	add(api && databricks, SmokeAPISilver, APIIngestionBudgetSeconds+BatchJobTimeoutSeconds, apiFrom+" + "+batch)

	add(true, SmokeReaders, SmokeReadersBudgetSeconds, fmt.Sprintf("one query per table (%d s)", SmokeReadersBudgetSeconds))
	return out
}

// SmokeStagesOption is SmokeStages as the DAG reads them: name=seconds,name=seconds.
func (e Environment) SmokeStagesOption() string {
	var parts []string
	for _, s := range e.SmokeStages() {
		parts = append(parts, s.Name+"="+strconv.Itoa(s.BudgetSeconds))
	}
	return strings.Join(parts, ",")
}

// SmokeSecretName is the canary PostgreSQL role's secret: <prefix>-<env>-smoke-postgres.
func (e Environment) SmokeSecretName() string { return e.ResourceName("smoke-postgres") }

// SmokeDatabaseUser is the canary PostgreSQL role the smoke writes as (never the master user).
const SmokeDatabaseUser = "platform_smoke"

// SmokeAnalystRoleName is the role the smoke assumes to query as an analyst:
// <prefix>-<env>-smoke-analyst.
func (e Environment) SmokeAnalystRoleName() string { return e.ResourceName("smoke-analyst") }

// SmokeMetricNamespace is the CloudWatch namespace of the smoke's latencies, one per
// environment: DataPlatform/Smoke/<env>.
func (e Environment) SmokeMetricNamespace() string { return "DataPlatform/Smoke/" + e.Name }

// airflowCronFields are the five fields of a cron expression as Airflow reads it (croniter):
// Glue's parser (cronField) without Glue's year and special days, Sunday 0.
var airflowCronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 0, max: 6, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// airflowCronProblem is what is wrong with a five-field cron expression, or "".
func airflowCronProblem(expr string) string {
	parts := strings.Fields(expr)
	if len(parts) != len(airflowCronFields) {
		return fmt.Sprintf("has %d fields, not 5", len(parts))
	}
	for i, f := range airflowCronFields {
		if _, ok := f.parse(parts[i]); !ok {
			return fmt.Sprintf("has an invalid %s field %q: values %d-%d%s with , - * /", f.name, parts[i], f.min, f.max, f.nameHint())
		}
	}
	return ""
}

var smokeRules = rules[Environment]{
	{Field: "smoke.schedule", Allowed: `must be "" or a five-field cron expression (minute hour day-of-month month day-of-week, UTC), such as "0 6 * * *"`,
		check: func(f field, e Environment) {
			if e.Smoke.Schedule == "" {
				return
			}
			problem := airflowCronProblem(e.Smoke.Schedule)
			f.checkf(problem == "", e.Smoke.Schedule, `must be "" or a five-field cron expression (minute hour day-of-month month day-of-week, UTC), such as "0 6 * * *": it %s`, problem)
		}},
	{Field: "smoke.schedule", Allowed: "must be \"\" unless monitoring.alertEmails names someone: a scheduled run reports its failures only to the alert topic",
		check: func(f field, e Environment) {
			f.check(e.Smoke.Schedule == "" || len(e.Monitoring.AlertEmails) > 0, e.Smoke.Schedule)
		}},
}
