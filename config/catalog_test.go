package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInvalidCatalog(t *testing.T) {
	schedule := func(family, expr string) func(*Environment) {
		return func(e *Environment) { e.Catalog.CrawlerSchedules[family] = expr }
	}
	const hint = "cron(minutes hours day-of-month month day-of-week year) in UTC, such as cron(15 2 * * ? *)"
	assertInvalid(t, staging, []invalid{
		{"rate expression", schedule(CrawlerRDS, "rate(1 hour)"),
			[]string{`staging: catalog.crawlerSchedules["rds"] "rate(1 hour)": must be ` + hint}},
		{"unix cron with five fields", schedule(CrawlerRDS, "cron(0 2 * * *)"),
			[]string{`staging: catalog.crawlerSchedules["rds"] "cron(0 2 * * *)": has 5 fields, Glue needs 6: ` + hint}},
		{"hour out of range", schedule(CrawlerKinesis, "cron(0 24 * * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["kinesis"] "cron(0 24 * * ? *)": has an invalid hours field "24": values 0-23 with , - * /`}},
		{"question mark in minutes", schedule(CrawlerKinesis, "cron(? 2 * * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["kinesis"] "cron(? 2 * * ? *)": has an invalid minutes field "?": values 0-59 with , - * /`}},
		{"unknown month name", schedule(CrawlerAPI, "cron(0 2 1 JAN-FOO ? *)"),
			[]string{`staging: catalog.crawlerSchedules["api"] "cron(0 2 1 JAN-FOO ? *)": has an invalid month field "JAN-FOO": values 1-12 or JAN-DEC with , - * /`}},
		{"year before 1970", schedule(CrawlerAPI, "cron(0 2 * * ? 1969)"),
			[]string{`staging: catalog.crawlerSchedules["api"] "cron(0 2 * * ? 1969)": has an invalid year field "1969": values 1970-2199 with , - * /`}},
		{"both day fields set", schedule(CrawlerRDS, "cron(0 2 1 * MON *)"),
			[]string{`staging: catalog.crawlerSchedules["rds"] "cron(0 2 1 * MON *)": must use ? in exactly one of day-of-month and day-of-week: ` + hint}},
		{"no day field set to ?", schedule(CrawlerRDS, "cron(0 2 ? * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["rds"] "cron(0 2 ? * ? *)": must use ? in exactly one of day-of-month and day-of-week: ` + hint}},
		{"every minute", schedule(CrawlerKinesis, "cron(* * * * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["kinesis"] "cron(* * * * ? *)": runs every 1 minutes at times; Glue schedules run at most every 5 minutes`}},
		{"every 2 minutes in a list", schedule(CrawlerKinesis, "cron(0,2,30 * * * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["kinesis"] "cron(0,2,30 * * * ? *)": runs every 2 minutes at times; Glue schedules run at most every 5 minutes`}},
		{"step of zero", schedule(CrawlerKinesis, "cron(0/0 * * * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["kinesis"] "cron(0/0 * * * ? *)": has an invalid minutes field "0/0": values 0-59 with , - * /`}},
		{"hash in day of month", schedule(CrawlerAPI, "cron(0 2 2#1 * ? *)"),
			[]string{`staging: catalog.crawlerSchedules["api"] "cron(0 2 2#1 * ? *)": has an invalid day-of-month field "2#1": values 1-31 with , - * / ? L W`}},
		{"missing family", func(e *Environment) { delete(e.Catalog.CrawlerSchedules, CrawlerAPI) },
			[]string{`staging: catalog.crawlerSchedules [kinesis rds]: must have one entry per crawler family [api kinesis rds] ("" for on demand)`}},
		{"unknown family", schedule("jdbc", ""),
			[]string{`staging: catalog.crawlerSchedules [api jdbc kinesis rds]: must have one entry per crawler family [api kinesis rds] ("" for on demand)`}},
		{"log retention", func(e *Environment) { e.Catalog.CrawlerLogRetentionDays = 0 },
			[]string{`staging: catalog.crawlerLogRetentionDays 0: must be a CloudWatch Logs retention: one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`}},
	})
}

func TestValidCronExpressions(t *testing.T) {
	for _, expr := range []string{
		"cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(0/15 * * * ? *)",
		"cron(0/5 8-17 ? * MON-FRI *)", "cron(0 10 L * ? *)", "cron(0 10 15W * ? *)", "cron(0 10 ? * 6L *)",
		"cron(0 10 ? * FRI#3 *)", "cron(5,35 */2 * JAN,JUL ? 2026-2030)",
	} {
		assert.Empty(t, cronProblem(expr), expr)
	}
}

// TestDatabaseNameRule checks the rule that guards DatabaseName: no valid environment name
// breaks it today, so it is exercised directly.
func TestDatabaseNameRule(t *testing.T) {
	v := &validator{env: "staging"}
	assert.True(t, checkDatabaseName(v, "staging", "staging_bronze"))
	assert.False(t, checkDatabaseName(v, "staging", "staging-eu_bronze"))
	assert.False(t, checkDatabaseName(v, "staging", strings.Repeat("a", 256)))
	assert.Equal(t, `staging: name "staging": makes Glue database name staging-eu_bronze invalid: Glue and Athena allow 1-255 lowercase letters, digits and underscores`, v.errs[0].Error())
	assert.Len(t, v.errs, 2)
	for _, env := range All() {
		for _, layer := range []string{LayerBronze, LayerSilver, LayerGold} {
			assert.Regexp(t, databaseNamePattern, env.DatabaseName(layer))
		}
	}
}
