// Package budget compares a CI run's times with docs/testing.md's budget table: which part took
// longer than its budget, with both figures. The table is the one place budgets are written:
// this package reads it for the report (go run ./cmd/budget), and .ci/suite reads the same rows
// for each suite's timeout (TestSuiteScriptReadsTheSameBudgets keeps the two readings equal).
package budget

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Heading opens the section of docs/testing.md whose first table is the budget table.
const Heading = "## Budget"

// budgetColumn is the header of the table's column of budgets, in whole seconds.
const budgetColumn = "budget (s)"

// Budget is one row of the table: a part of CI and its budget in seconds.
type Budget struct {
	Part    string
	Seconds int
	Line    int // the row's line in the document, for messages
}

// Time is one time a run printed: a part, how long it took, and the CPU time of everything it
// ran (.ci/cpu), or -1 where the run printed none.
type Time struct {
	Part    string
	Seconds int
	CPU     int
}

var (
	// What .ci/run's timed helper prints after each command, and after the whole run.
	ciTime = regexp.MustCompile(`^ci: '(.+)' took (\d+) s(?:, (\d+) s of CPU)?$`)
	// What .ci/suite prints when a suite passes.
	suiteTime = regexp.MustCompile(`^([a-z][a-z0-9-]*): (\d+) s(?:, (\d+) s of CPU)?$`)
	// A part's cell: the part's name as inline code.
	partCell = regexp.MustCompile("^`([^`]+)`$")
)

// ParseTable reads the budget table of a document: the first Markdown table after the line
// Heading, with a "part" and a "budget (s)" column. Every problem is an error naming the line.
func ParseTable(doc string) ([]Budget, error) {
	lines := strings.Split(doc, "\n")
	start := -1
	for i, line := range lines {
		if strings.TrimRight(line, " \r") == Heading {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("no %q section", Heading)
	}
	var header []string
	var budgets []Budget
	seen := map[string]int{}
	for i := start; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if strings.HasPrefix(line, "#") {
			break
		}
		if !strings.HasPrefix(line, "|") {
			if header != nil {
				break // the end of the first table
			}
			continue
		}
		cells := tableCells(line)
		switch {
		case header == nil:
			header = cells
			continue
		case strings.Trim(strings.Join(cells, ""), "-: ") == "":
			continue // the delimiter row
		}
		b, err := parseRow(header, cells, i+1)
		if err != nil {
			return nil, err
		}
		if first, ok := seen[b.Part]; ok {
			return nil, fmt.Errorf("line %d: %s has a budget already, on line %d", b.Line, b.Part, first)
		}
		seen[b.Part] = b.Line
		budgets = append(budgets, b)
	}
	if len(budgets) == 0 {
		return nil, fmt.Errorf("no table with a row under %q", Heading)
	}
	return budgets, nil
}

// tableCells are a table row's cells, trimmed.
func tableCells(line string) []string {
	cells := strings.Split(strings.Trim(line, "|"), "|")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(c)
	}
	return cells
}

// parseRow reads one row's part and budget by the header's column names.
func parseRow(header, cells []string, line int) (Budget, error) {
	cell := func(name string) (string, error) {
		for i, h := range header {
			if h == name && i < len(cells) {
				return cells[i], nil
			}
		}
		return "", fmt.Errorf("line %d: no %q column (the header has %q)", line, name, header)
	}
	part, err := cell("part")
	if err != nil {
		return Budget{}, err
	}
	m := partCell.FindStringSubmatch(part)
	if m == nil {
		return Budget{}, fmt.Errorf("line %d: part %q must be a name in backquotes, such as `dag-test`", line, part)
	}
	seconds, err := cell(budgetColumn)
	if err != nil {
		return Budget{}, err
	}
	n, err := strconv.Atoi(seconds)
	if err != nil || n <= 0 {
		return Budget{}, fmt.Errorf("line %d: %s's budget %q must be a whole number of seconds over 0", line, m[1], seconds)
	}
	return Budget{Part: m[1], Seconds: n, Line: line}, nil
}

// ParseLog reads the times a .ci/run log printed: "ci: '<command>' took N s" (the part is the
// command) and "<suite>: N s", each with ", C s of CPU" where the run measured it. Every other
// line is the suites' own output, and skipped.
func ParseLog(r io.Reader) ([]Time, error) {
	var times []Time
	scanner := bufio.NewScanner(r)
	scanner.Buffer(nil, 1<<20) // a test's output may have long lines
	for scanner.Scan() {
		line := strings.TrimRight(scanner.Text(), " \r")
		m := ciTime.FindStringSubmatch(line)
		if m == nil {
			m = suiteTime.FindStringSubmatch(line)
		}
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		cpu := -1
		if m[3] != "" {
			if cpu, err = strconv.Atoi(m[3]); err != nil {
				return nil, fmt.Errorf("%q: %v", line, err)
			}
		}
		times = append(times, Time{Part: m[1], Seconds: n, CPU: cpu})
	}
	return times, scanner.Err()
}

// Status is what the report says of one part.
type Status string

// The statuses, each but Within a reason for the report to fail.
const (
	Within Status = "within budget"
	// Over: the part took longer than its budget.
	Over Status = "over budget"
	// Missing: the part has a budget but the run printed no time for it: it stopped printing
	// its time, or was renamed, and its budget would go unchecked.
	Missing Status = "no time in the log"
	// Unbudgeted: the run printed a time for a part the table has no row for: a new suite
	// without the budget line issue 28 asks every suite to have.
	Unbudgeted Status = "no budget in the table"
)

// Row is one line of the report. Took, CPU or Budget is -1 where there is none.
type Row struct {
	Part   string
	Took   int
	CPU    int
	Budget int
	Status Status
}

// Compare is the report: each row of the table in its order, with each time the run printed
// for it (a part printed twice is compared twice), then the times of parts without a budget.
func Compare(budgets []Budget, times []Time) []Row {
	var rows []Row
	budgeted := map[string]bool{}
	for _, b := range budgets {
		budgeted[b.Part] = true
		found := false
		for _, t := range times {
			if t.Part != b.Part {
				continue
			}
			found = true
			status := Within
			if t.Seconds > b.Seconds {
				status = Over
			}
			rows = append(rows, Row{Part: b.Part, Took: t.Seconds, CPU: t.CPU, Budget: b.Seconds, Status: status})
		}
		if !found {
			rows = append(rows, Row{Part: b.Part, Took: -1, CPU: -1, Budget: b.Seconds, Status: Missing})
		}
	}
	for _, t := range times {
		if !budgeted[t.Part] {
			rows = append(rows, Row{Part: t.Part, Took: t.Seconds, CPU: t.CPU, Budget: -1, Status: Unbudgeted})
		}
	}
	return rows
}

// Failed is whether any row is not within its budget.
func Failed(rows []Row) bool {
	for _, r := range rows {
		if r.Status != Within {
			return true
		}
	}
	return false
}

// Write prints the report as aligned columns, one part a line: its time, its CPU time and the
// cores it kept busy on average (CPU time over time: 2.0 is both cores of a 2-core machine, all
// along), its budget and status; then one line naming each part that is over its budget or
// unaccounted for, with both figures.
func Write(w io.Writer, rows []Row) error {
	width := len("part")
	for _, r := range rows {
		width = max(width, len(r.Part))
	}
	seconds := func(n int) string {
		if n < 0 {
			return "-"
		}
		return strconv.Itoa(n) + " s"
	}
	cores := func(r Row) string {
		if r.CPU < 0 || r.Took <= 0 {
			return "-"
		}
		return strconv.FormatFloat(float64(r.CPU)/float64(r.Took), 'f', 1, 64)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %7s  %7s  %5s  %7s\n", width, "part", "took", "cpu", "cores", "budget")
	var problems []string
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %7s  %7s  %5s  %7s  %s\n", width, r.Part, seconds(r.Took), seconds(r.CPU), cores(r), seconds(r.Budget), r.Status)
		switch r.Status {
		case Over:
			problems = append(problems, fmt.Sprintf("%s took %d s, over its budget of %d s by %d s", r.Part, r.Took, r.Budget, r.Took-r.Budget))
		case Missing:
			problems = append(problems, fmt.Sprintf("%s has a budget of %d s but the log has no time for it", r.Part, r.Budget))
		case Unbudgeted:
			problems = append(problems, fmt.Sprintf("%s took %d s and has no budget: add its row to the table", r.Part, r.Took))
		}
	}
	for _, p := range problems {
		fmt.Fprintln(&b, "budget:", p)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
