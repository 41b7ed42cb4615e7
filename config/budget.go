package config

import (
	"fmt"
	"slices"
	"strings"
)

// Budget is the environment's AWS Budgets monthly cost budget and when it alerts the alert
// topic. Its zero value is invalid on purpose: every environment bills, so every environment
// has a budget, and an amount of 0 would alert on the first cent. Where several environments
// share an account the budget counts only the costs tagged with the environment's
// tags["environment"] (EnvironmentTag), which then must tell them apart.
type Budget struct {
	// MonthlyUSD is the budgeted cost of one calendar month, in whole US dollars (at least 1).
	// Keep it above the environment's fixed monthly cost (make cost): a test refuses one below.
	MonthlyUSD int `config:"monthlyUsd"`
	// ActualPercents alert when the month's actual cost passes each percentage of MonthlyUSD
	// (1 to 1000, ascending, at least one).
	ActualPercents []int
	// ForecastPercents alert when AWS's forecast of the month's cost passes each percentage
	// of MonthlyUSD (1 to 1000, ascending; none is allowed). Forecasts need weeks of billing
	// data, so a new account hears nothing from them at first.
	ForecastPercents []int
}

// EnvironmentTag is the tag key whose value tells apart the environments that share an account:
// the stage tags every resource with it, cmd/bundle the Databricks clusters, and the budget
// of a shared account counts only the costs that carry the environment's value.
const EnvironmentTag = "environment"

// BudgetFilterTagKey is EnvironmentTag as a budget's filter names it: AWS Budgets names a
// user-defined cost allocation tag with the "user:" prefix, and counts a tag only once it is
// activated as a cost allocation tag (docs/costs-and-limits.md#budgets).
const BudgetFilterTagKey = "user:" + EnvironmentTag

// Budget limits: a percentage threshold of AWS Budgets, and the notifications one budget may
// have ("A budget can have up to ten notifications", AWS Budgets' Notification).
const (
	minBudgetPercent       = 1
	maxBudgetPercent       = 1000
	maxBudgetNotifications = 10
)

// BudgetName is the name of the environment's budget, unique in its account.
func (e Environment) BudgetName() string { return e.ResourceName("monthly-cost") }

// AccountPeers are the environments of envs, other than e, that deploy to e's account. Where
// there are some, e's budget counts only the costs tagged with e's EnvironmentTag.
func (e Environment) AccountPeers(envs []Environment) []Environment {
	var out []Environment
	for _, o := range envs {
		if o.Account == e.Account && o.Name != e.Name {
			out = append(out, o)
		}
	}
	return out
}

// percentRules check one list of thresholds at name.
func percentRules(name string, get func(Budget) []int) rule[Environment] {
	return each(rules[listed[int]]{
		{Field: name + "[]", Allowed: fmt.Sprintf("must be a percentage of monthlyUsd from %d to %d", minBudgetPercent, maxBudgetPercent),
			check: func(f field, p listed[int]) {
				f.check(p.value >= minBudgetPercent && p.value <= maxBudgetPercent, p.value)
			}},
		{Field: name + "[]", Allowed: "must be above the percentage before it: one alert per threshold, in order", check: func(f field, p listed[int]) {
			f.check(len(p.earlier) == 0 || p.value > p.earlier[len(p.earlier)-1], p.value)
		}},
	}, func(e Environment) []int { return get(e.Budget) })
}

var budgetRules = rules[Environment]{
	{Field: "budget.monthlyUsd", Allowed: "must be at least 1 (US dollars): every environment bills, and a budget of 0 alerts on the first cent",
		check: func(f field, e Environment) { f.check(e.Budget.MonthlyUSD >= 1, e.Budget.MonthlyUSD) }},
	{Field: "budget.actualPercents", Allowed: "must name at least one percentage: a budget that alerts nobody when it is spent is noise",
		check: func(f field, e Environment) { f.check(len(e.Budget.ActualPercents) >= 1, e.Budget.ActualPercents) }},
	percentRules("budget.actualPercents", func(b Budget) []int { return b.ActualPercents }),
	percentRules("budget.forecastPercents", func(b Budget) []int { return b.ForecastPercents }),
	{Field: "budget.forecastPercents", Allowed: fmt.Sprintf("must leave actualPercents and forecastPercents at most %d together: AWS Budgets allows %d notifications per budget",
		maxBudgetNotifications, maxBudgetNotifications),
		check: func(f field, e Environment) {
			n := len(e.Budget.ActualPercents) + len(e.Budget.ForecastPercents)
			f.checkf(n <= maxBudgetNotifications, e.Budget.ForecastPercents,
				"must leave actualPercents and forecastPercents at most %d together (%d now): AWS Budgets allows %d notifications per budget",
				maxBudgetNotifications, n, maxBudgetNotifications)
		}},
}

// sharing is an environment with the other environments of its account, for the rules of a
// shared account.
type sharing struct {
	Environment
	peers []Environment
}

// sharedAccountRules apply where several environments deploy to one account: each budget
// counts only the costs tagged with its environment's EnvironmentTag, so the tag must be there
// and differ between them. An account of its own needs neither: its budget counts the account.
var sharedAccountRules = rules[sharing]{
	{Field: "tags[]", Allowed: `must include "environment" where environments share an account: the budget counts only the costs tagged with it`,
		check: func(f field, s sharing) {
			if len(s.peers) == 0 {
				return
			}
			f.keys = []any{EnvironmentTag}
			_, ok := s.Tags[EnvironmentTag]
			f.checkf(ok, "", `must be set: account %s is shared with %s, so the budget counts only the costs tagged %s=<this value>`,
				s.Account, environmentNames(s.peers), EnvironmentTag)
		}},
	{Field: "tags[]", Allowed: `must differ in "environment" from every environment of the same account: the budgets tell their costs apart by it`,
		check: func(f field, s sharing) {
			value, ok := s.Tags[EnvironmentTag]
			if !ok {
				return
			}
			f.keys = []any{EnvironmentTag}
			i := slices.IndexFunc(s.peers, func(o Environment) bool { return o.Tags[EnvironmentTag] == value })
			if i >= 0 {
				f.checkf(false, value, "must differ from %s's: both deploy to account %s, and the budgets tell their costs apart by it",
					s.peers[i].Name, s.Account)
			}
		}},
}

// environmentNames are the environments' names, comma-separated.
func environmentNames(envs []Environment) string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Name
	}
	return strings.Join(out, ", ")
}
