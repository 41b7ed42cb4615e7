package test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dataplatform/internal/budget"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// A command .ci/run times (its timed helper prints "ci: '<command>' took N s").
	ciTimed = regexp.MustCompile(`(?m)^\s*timed (.+)$`)
)

// TestEverySuiteRunsUnderItsBudget: docs/testing.md's budget table is the one place budgets
// are written (.ci/suite reads each suite's timeout from it, cmd/budget each part's budget).
// Every suite of the Makefile's SUITES runs under `$(SUITE) <its name>`, and so does any
// other rule that does, with a row each; every other row is a time .ci/run prints: a command
// its timed helper runs, or the whole run.
func TestEverySuiteRunsUnderItsBudget(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "testing.md"))
	require.NoError(t, err)
	budgets, err := budget.ParseTable(string(doc))
	require.NoError(t, err, "docs/testing.md")
	ciRun, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	require.NoError(t, err)
	mk := readMakefile(t)
	require.NotEmpty(t, ciTimed.FindAllString(string(ciRun), -1), ".ci/run times no command")
	problems := checkBudgets(mk, mk.list(t, "SUITES"), budgets, string(ciRun))
	assert.Empty(t, problems, "the suites, .ci/run and docs/testing.md's budget table:\n%s", strings.Join(problems, "\n"))
}

// checkBudgets is each gap between the Makefile's suites, .ci/run's timed commands and the
// budget table.
func checkBudgets(mk makefile, suites []string, budgets []budget.Budget, ciRun string) []string {
	var problems []string
	timed := map[string]bool{} // the rules that run under $(SUITE)
	for _, target := range slices.Sorted(maps.Keys(mk.recipes)) {
		for _, name := range mk.timedAs(target) {
			if name != target {
				problems = append(problems, fmt.Sprintf("make %s runs $(SUITE) %s: a suite's time and timeout go by its own name", target, name))
				continue
			}
			timed[target] = true
		}
	}
	for _, suite := range suites {
		if !timed[suite] {
			problems = append(problems, fmt.Sprintf("suite %s does not run under $(SUITE) %s: no timeout, no time printed", suite, suite))
		}
	}
	commands := map[string]bool{}
	for _, m := range ciTimed.FindAllStringSubmatch(ciRun, -1) {
		commands[strings.TrimSpace(m[1])] = true
	}
	rows := map[string]bool{}
	for _, b := range budgets {
		rows[b.Part] = true
		switch {
		case timed[b.Part], commands[b.Part], b.Part == ".ci/run":
		default:
			problems = append(problems, fmt.Sprintf("docs/testing.md line %d: %s is no rule that runs under $(SUITE), no command .ci/run times, and not .ci/run", b.Line, b.Part))
		}
	}
	for _, part := range slices.Concat(slices.Sorted(maps.Keys(timed)), slices.Sorted(maps.Keys(commands)), []string{".ci/run"}) {
		if !rows[part] {
			problems = append(problems, fmt.Sprintf("%s has no row in docs/testing.md's budget table", part))
		}
	}
	return problems
}

// TestCheckBudgetsFindsEachGap proves the check can fail, once for each kind of gap: a suite
// with no timeout, a rule timed under another name, a timed rule and a command of .ci/run
// without a row, and a row that is no part.
func TestCheckBudgetsFindsEachGap(t *testing.T) {
	mk := parseMakefile(`SUITES := a b d
SUITE := $(CURDIR)/.ci/suite
a:
	$(SUITE) a true
b:
	true
c: a
	cd x && V=1 $(SUITE) c \
	  pytest -q
d:
	$(SUITE) e true
`)
	ciRun := "timed make test\n  timed make rehearse-all\necho \"ci: '.ci/run' took $SECONDS s\"\n"
	budgets := []budget.Budget{{Part: "a", Seconds: 1, Line: 1}, {Part: "make test", Seconds: 1, Line: 2}, {Part: "gone", Seconds: 1, Line: 3}}
	assert.Equal(t, []string{
		"make d runs $(SUITE) e: a suite's time and timeout go by its own name",
		"suite b does not run under $(SUITE) b: no timeout, no time printed",
		"suite d does not run under $(SUITE) d: no timeout, no time printed",
		"docs/testing.md line 3: gone is no rule that runs under $(SUITE), no command .ci/run times, and not .ci/run",
		"c has no row in docs/testing.md's budget table",
		"make rehearse-all has no row in docs/testing.md's budget table",
		".ci/run has no row in docs/testing.md's budget table",
	}, checkBudgets(mk, mk.list(t, "SUITES"), budgets, ciRun))
}
