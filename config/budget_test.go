package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInvalidBudget(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"no budget at all", func(e *Environment) { e.Budget = Budget{} }, []string{
			`staging: budget.monthlyUsd 0: must be at least 1 (US dollars): every environment bills, and a budget of 0 alerts on the first cent`,
			`staging: budget.actualPercents []: must name at least one percentage: a budget that alerts nobody when it is spent is noise`,
		}},
		{"negative amount", func(e *Environment) { e.Budget.MonthlyUSD = -5 },
			[]string{`staging: budget.monthlyUsd -5: must be at least 1 (US dollars): every environment bills, and a budget of 0 alerts on the first cent`}},
		{"threshold zero", func(e *Environment) { e.Budget.ActualPercents = []int{0, 100} },
			[]string{`staging: budget.actualPercents[0] 0: must be a percentage of monthlyUsd from 1 to 1000`}},
		{"forecast threshold above 1000", func(e *Environment) { e.Budget.ForecastPercents = []int{100, 1500} },
			[]string{`staging: budget.forecastPercents[1] 1500: must be a percentage of monthlyUsd from 1 to 1000`}},
		{"thresholds out of order", func(e *Environment) { e.Budget.ActualPercents = []int{100, 80} },
			[]string{`staging: budget.actualPercents[1] 80: must be above the percentage before it: one alert per threshold, in order`}},
		{"repeated threshold", func(e *Environment) { e.Budget.ForecastPercents = []int{100, 100} },
			[]string{`staging: budget.forecastPercents[1] 100: must be above the percentage before it: one alert per threshold, in order`}},
		{"more notifications than a budget has", func(e *Environment) {
			e.Budget.ActualPercents = []int{10, 20, 30, 40, 50, 60}
			e.Budget.ForecastPercents = []int{70, 80, 90, 100, 110}
		},
			[]string{`staging: budget.forecastPercents [70 80 90 100 110]: must leave actualPercents and forecastPercents at most 10 together (11 now): AWS Budgets allows 10 notifications per budget`}},
	})
}

// TestBudgetNeedsNoForecast: forecast alerts are optional (forecasts need weeks of data).
func TestBudgetNeedsNoForecast(t *testing.T) {
	e := staging()
	e.Budget.ForecastPercents = nil
	require.NoError(t, Validate(e))
}

// sharedAccount is develop and staging in develop's account, as a small team might run them.
func sharedAccount() []Environment {
	develop, staging := develop(), staging()
	staging.Account = develop.Account
	return []Environment{develop, staging}
}

func TestCommittedEnvironmentsHaveAccountsOfTheirOwn(t *testing.T) {
	envs := All()
	for _, e := range envs {
		assert.Empty(t, e.AccountPeers(envs), "%s: the committed environments each have an account, so an unfiltered budget", e.Name)
	}
}

func TestSharedAccountPeers(t *testing.T) {
	envs := sharedAccount()
	require.NoError(t, Validate(envs...), "distinct environment tags: the budgets tell the two apart")
	require.Len(t, envs[0].AccountPeers(envs), 1)
	assert.Equal(t, "staging", envs[0].AccountPeers(envs)[0].Name)
	assert.Equal(t, "develop", envs[1].AccountPeers(envs)[0].Name)
}

func TestSharedAccountNeedsTheEnvironmentTag(t *testing.T) {
	envs := sharedAccount()
	delete(envs[1].Tags, EnvironmentTag)
	err := Validate(envs...)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	assert.Equal(t, []string{
		`staging: tags["environment"] "": must be set: account 111111111111 is shared with develop, so the budget counts only the costs tagged environment=<this value>`,
	}, errorLines(errs))
	assertReportedByRules(t, errs)

	// In an account of its own, the tag is not needed.
	alone := staging()
	delete(alone.Tags, EnvironmentTag)
	require.NoError(t, Validate(alone))
}

func TestSharedAccountNeedsDistinctEnvironmentTags(t *testing.T) {
	envs := sharedAccount()
	envs[1].Tags[EnvironmentTag] = "develop"
	err := Validate(envs...)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	assert.Equal(t, []string{
		`develop: tags["environment"] "develop": must differ from staging's: both deploy to account 111111111111, and the budgets tell their costs apart by it`,
		`staging: tags["environment"] "develop": must differ from develop's: both deploy to account 111111111111, and the budgets tell their costs apart by it`,
	}, errorLines(errs))
	assertReportedByRules(t, errs)
}

func errorLines(errs Errors) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}
