// Command budget compares a .ci/run log's times with docs/testing.md's budget table and names
// each part over its budget, with both figures; a part with a budget but no time in the log,
// or a time but no budget, is named too. It exits 1 when any is, 2 when it cannot read the
// log or the table. A report, not a timed test: .ci/run prints it and does not fail on it.
//
//	go run ./cmd/budget -log FILE
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"dataplatform/internal/budget"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("budget", flag.ContinueOnError)
	flags.SetOutput(stderr)
	logPath := flags.String("log", "", "a .ci/run log: its \"ci: '...' took N s\" and \"<suite>: N s\" lines")
	tablePath := flags.String("table", "docs/testing.md", "the document whose "+budget.Heading+" section holds the budget table")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *logPath == "" || flags.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: go run ./cmd/budget -log FILE [-table docs/testing.md]")
		return 2
	}
	doc, err := os.ReadFile(*tablePath)
	if err != nil {
		fmt.Fprintln(stderr, "budget:", err)
		return 2
	}
	budgets, err := budget.ParseTable(string(doc))
	if err != nil {
		fmt.Fprintf(stderr, "budget: %s: %v\n", *tablePath, err)
		return 2
	}
	log, err := os.Open(*logPath)
	if err != nil {
		fmt.Fprintln(stderr, "budget:", err)
		return 2
	}
	defer log.Close()
	times, err := budget.ParseLog(log)
	if err != nil {
		fmt.Fprintf(stderr, "budget: %s: %v\n", *logPath, err)
		return 2
	}
	rows := budget.Compare(budgets, times)
	if err := budget.Write(stdout, rows); err != nil {
		fmt.Fprintln(stderr, "budget:", err)
		return 2
	}
	if budget.Failed(rows) {
		return 1
	}
	return 0
}
