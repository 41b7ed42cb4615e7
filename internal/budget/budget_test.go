package budget

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// madeUpTable has a table before the budget section with the same parts (which must not be
// read), columns in another order than docs/testing.md's, and a second table in the section
// (also not read).
const madeUpTable = "# Testing\n\n" +
	"| part | budget (s) |\n| --- | ---: |\n| `lint` | 1 |\n| `stale` | 5 |\n\n" +
	"## Budget\n\nEach part's budget.\n\n" +
	"| part | what | budget (s) |\n| --- | --- | ---: |\n" +
	"| `lint` | gofmt, vet | 60 |\n" +
	"| `dag-test` | the DAGs | 300 |\n" +
	"| `uc-test` | Unity Catalog | 15 |\n" +
	"| `.ci/run` | the whole run | 900 |\n" +
	"\n| part | what | budget (s) |\n| --- | --- | --- |\n| `later` | read by no one | 7 |\n" +
	"\n## Next\n\n| part | budget (s) |\n| --- | --- |\n| `next` | 8 |\n"

// madeUpLog has, among the suites' own output, a part within its budget, a part over it, no
// time for uc-test, and a time for a suite the table has no row for.
const madeUpLog = `make --no-print-directory -j2 --output-sync=target dag-test new-test
lint: 41 s
....................                                                      [100%]
20 passed in 3.52s
dag-test: 410 s, 700 s of CPU
warehouse-test (after the pipeline): 66 s
new-test: 12 s
ci: 'make test' took 500 s, 950 s of CPU
ci: '.ci/run' took 800 s
`

// TestCompare is the report's four cases on the made-up table and log: each row's status
// and figures, in the table's order, then the part without a budget.
func TestCompare(t *testing.T) {
	budgets, err := ParseTable(madeUpTable)
	require.NoError(t, err)
	times, err := ParseLog(strings.NewReader(madeUpLog))
	require.NoError(t, err)
	rows := Compare(budgets, times)
	assert.Equal(t, []Row{
		{Part: "lint", Took: 41, CPU: -1, Budget: 60, Status: Within},
		{Part: "dag-test", Took: 410, CPU: 700, Budget: 300, Status: Over},
		{Part: "uc-test", Took: -1, CPU: -1, Budget: 15, Status: Missing},
		{Part: ".ci/run", Took: 800, CPU: -1, Budget: 900, Status: Within},
		{Part: "new-test", Took: 12, CPU: -1, Budget: -1, Status: Unbudgeted},
		{Part: "make test", Took: 500, CPU: 950, Budget: -1, Status: Unbudgeted},
	}, rows)
	assert.True(t, Failed(rows))

	var out bytes.Buffer
	require.NoError(t, Write(&out, rows))
	assert.Equal(t, `part          took      cpu  cores   budget
lint          41 s        -      -     60 s  within budget
dag-test     410 s    700 s    1.7    300 s  over budget
uc-test          -        -      -     15 s  no time in the log
.ci/run      800 s        -      -    900 s  within budget
new-test      12 s        -      -        -  no budget in the table
make test    500 s    950 s    1.9        -  no budget in the table
budget: dag-test took 410 s, over its budget of 300 s by 110 s
budget: uc-test has a budget of 15 s but the log has no time for it
budget: new-test took 12 s and has no budget: add its row to the table
budget: make test took 500 s and has no budget: add its row to the table
`, out.String())
}

// TestWithinBudget: a run whose every part has a time within its budget does not fail, a part
// exactly at its budget included.
func TestWithinBudget(t *testing.T) {
	budgets, err := ParseTable(madeUpTable)
	require.NoError(t, err)
	times, err := ParseLog(strings.NewReader("lint: 60 s\ndag-test: 1 s\nuc-test: 15 s\nci: '.ci/run' took 899 s\n"))
	require.NoError(t, err)
	assert.False(t, Failed(Compare(budgets, times)))
}

// TestParseTableErrors: each way the table can be wrong is an error naming the line.
func TestParseTableErrors(t *testing.T) {
	row := func(rows ...string) string {
		return "## Budget\n\n| part | budget (s) |\n| --- | --- |\n" + strings.Join(rows, "\n") + "\n"
	}
	for _, c := range []struct{ doc, err string }{
		{"# Testing\n\n| part | budget (s) |\n| `lint` | 60 |\n", `no "## Budget" section`},
		{"## Budget\n\nnone yet\n", `no table with a row under "## Budget"`},
		{row("| lint | 60 |"), "line 5: part \"lint\" must be a name in backquotes, such as `dag-test`"},
		{row("| `lint` | 1 min |"), `line 5: lint's budget "1 min" must be a whole number of seconds over 0`},
		{row("| `lint` | 0 |"), `line 5: lint's budget "0" must be a whole number of seconds over 0`},
		{row("| `lint` | 60 |", "| `lint` | 70 |"), "line 6: lint has a budget already, on line 5"},
		{"## Budget\n| part | seconds |\n| --- | --- |\n| `lint` | 60 |\n", `line 4: no "budget (s)" column (the header has ["part" "seconds"])`},
	} {
		_, err := ParseTable(c.doc)
		assert.EqualError(t, err, c.err, c.doc)
	}
}

// The repository's budget table, and .ci/suite, which the Makefile runs every suite with.
var (
	testingDoc  = filepath.Join("..", "..", "docs", "testing.md")
	suiteScript = filepath.Join("..", "..", ".ci", "suite")
)

// suiteLimit is .ci/suite's reading of part's timeout in the table of doc, or "" when it
// finds no budget (and exits 2).
func suiteLimit(t *testing.T, doc, part string) string {
	t.Helper()
	cmd := exec.Command(suiteScript, "-limit", part)
	cmd.Env = append(os.Environ(), "BUDGETS="+doc)
	out, err := cmd.Output()
	if exit, ok := err.(*exec.ExitError); ok && exit.ExitCode() == 2 {
		return ""
	}
	require.NoError(t, err, "%s -limit %s", suiteScript, part)
	return strings.TrimSpace(string(out))
}

// TestSuiteScriptReadsTheSameBudgets: the timeouts come from the same rows the report reads,
// twice the budget, in docs/testing.md and in the made-up table, whose other tables .ci/suite
// must not read either. .ci/suite reads the table with awk (the Python suites' CI jobs have no
// Go); this keeps its reading and this package's one.
func TestSuiteScriptReadsTheSameBudgets(t *testing.T) {
	doc, err := os.ReadFile(testingDoc)
	require.NoError(t, err)
	real, err := ParseTable(string(doc))
	require.NoError(t, err)
	for _, b := range real {
		assert.Equal(t, strconv.Itoa(2*b.Seconds), suiteLimit(t, testingDoc, b.Part), "docs/testing.md line %d", b.Line)
	}

	madeUp := filepath.Join(t.TempDir(), "testing.md")
	require.NoError(t, os.WriteFile(madeUp, []byte(madeUpTable), 0o644))
	budgets, err := ParseTable(madeUpTable)
	require.NoError(t, err)
	want := map[string]string{"stale": "", "later": "", "next": "", "absent": ""}
	for _, b := range budgets {
		want[b.Part] = strconv.Itoa(2 * b.Seconds)
	}
	require.Equal(t, "120", want["lint"], "the made-up table's lint row, not the earlier table's")
	for part, limit := range want {
		assert.Equal(t, limit, suiteLimit(t, madeUp, part), part)
	}
}

// TestSuiteScript runs commands as suites of a made-up table: a pass prints its time, a
// failure its status, and a hang is ended at twice its budget, naming the suite, with
// timeout's status 124; a process the suite started in the background is ended with it.
func TestSuiteScript(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a timeout")
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "testing.md")
	require.NoError(t, os.WriteFile(doc, []byte("## Budget\n\n| part | budget (s) |\n| --- | --- |\n| `quick` | 30 |\n| `hang` | 1 |\n"), 0o644))
	suite := func(args ...string) (string, int) {
		cmd := exec.Command(suiteScript, args...)
		cmd.Env = append(os.Environ(), "BUDGETS="+doc)
		out, err := cmd.CombinedOutput()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return string(out), code
	}

	out, code := suite("quick", "true")
	// Bash's SECONDS counts whole seconds: a start just before one ends reads as 1 s.
	assert.Regexp(t, `^quick: [01] s, 0 s of CPU\n$`, out)
	assert.Equal(t, 0, code)

	// The CPU time counts what the suite left running when it ended, as Spark's JVM outlives
	// the pytest that started it: here a process that spins for 2 s of CPU after its shell exits.
	out, code = suite("quick", "sh", "-c", `python3 -c 'import time
while time.process_time() < 2: pass' & exit 0`)
	assert.Regexp(t, `^quick: [0-9] s, [2-9] s of CPU\n$`, out)
	assert.Equal(t, 0, code)

	out, code = suite("quick", "sh", "-c", "exit 3")
	assert.Regexp(t, `^quick: failed after [01] s\n$`, out)
	assert.Equal(t, 3, code)

	// The background sleep writes a file if it outlives the timeout.
	survivor := filepath.Join(dir, "survived")
	out, code = suite("hang", "sh", "-c", "(sleep 4; touch "+survivor+") & sleep 60")
	assert.Equal(t, "hang: timed out after 2 s (twice its budget in docs/testing.md)\n", out)
	assert.Equal(t, 124, code)

	out, code = suite("unknown", "true")
	assert.Contains(t, out, "has no budget for unknown")
	assert.Equal(t, 2, code)

	// By now the background sleep would have written its file, had it outlived the suite.
	out, _ = suite("quick", "sleep", "3")
	assert.Regexp(t, `^quick: [34] s, 0 s of CPU\n$`, out)
	assert.NoFileExists(t, survivor, "a process of the timed-out suite outlived it")
}
