package test

import (
	"fmt"
	"slices"
	"testing"

	"dataplatform/config"
	"dataplatform/internal/cost"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// budgetsBelow names each environment whose budget.monthlyUsd is below its fixed monthly cost.
func budgetsBelow(envs []config.Environment, fixed map[string]float64) []string {
	var out []string
	for _, e := range envs {
		if float64(e.Budget.MonthlyUSD) < fixed[e.Name] {
			out = append(out, fmt.Sprintf("%s: budget.monthlyUsd %d is below its fixed monthly cost $%.2f (make cost): raise it in %s",
				e.Name, e.Budget.MonthlyUSD, fixed[e.Name], e.Source))
		}
	}
	return out
}

// TestEveryBudgetCoversItsFixedMonthlyCost: a budget below what the environment costs while it
// merely exists alerts every month. Not a validation rule: the cost needs the synthesized
// templates, and validation runs before synth.
func TestEveryBudgetCoversItsFixedMonthlyCost(t *testing.T) {
	fixed, err := cost.FixedMonthly(suite.outdir)
	require.NoError(t, err)
	var envs []config.Environment
	for _, p := range suite.platforms {
		require.Contains(t, fixed, p.Env.Name, "make cost has no figure for %s", p.Env.Name)
		require.Positive(t, fixed[p.Env.Name], p.Env.Name)
		envs = append(envs, p.Env)
	}
	assert.Empty(t, budgetsBelow(envs, fixed))

	// The check refuses a budget below the fixed cost (a $1 budget).
	low := slices.Clone(envs)
	low[0].Budget.MonthlyUSD = 1
	assert.Len(t, budgetsBelow(low, fixed), 1)
}
