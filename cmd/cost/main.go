// Command cost prices a synthesized cloud assembly: each environment's fixed monthly cost (what
// bills while it exists, 730 hours a month) from the committed price table of its region
// (internal/cost/prices), the usage prices apart; it fails naming any resource whose type the
// table does not classify or whose price has no row.
//
//	go run ./cmd/cost -cdk-out cdk.out                       # make cost: the tables, and docs/costs-and-limits.md's totals
//	go run ./cmd/cost -base base.out -cdk-out cdk.out        # the pull request's cost line (Markdown)
//	go run ./cmd/cost -check-prices -env staging             # versions.yml: every row of staging's region's table against the Price List API
//
// Exit status: 0 done, 1 a resource unpriced, a stale docs block (with -check-docs) or a price
// drifted, 2 usage or I/O error.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"dataplatform/internal/cli"
	"dataplatform/internal/cost"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("cost", flag.ContinueOnError)
	flags.SetOutput(stderr)
	head := flags.String("cdk-out", "cdk.out", "the cloud assembly to price")
	base := flags.String("base", "", "a cloud assembly of the base branch: print the cost line, before and after, as Markdown")
	docs := flags.String("docs", "", "rewrite the totals block of this page (make cost passes "+cost.DocsFile+")")
	prices := flags.String("prices", "", "a price table file to use instead of the committed table of each region")
	check := flags.Bool("check-prices", false, "compare every row of -region's table with AWS's Price List Query API (aws pricing get-products)")
	region := flags.String("region", "us-east-1", "with -check-prices: the region whose table to check")
	envName := flags.String("env", "", "with -check-prices: check the table of this environment's region (instead of -region)")
	awsCLI := flags.String("aws", "aws", "with -check-prices: the AWS CLI to call")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	tableOf := cost.LoadRegion
	if *prices != "" {
		t, err := cost.LoadFile(*prices)
		if err != nil {
			fmt.Fprintln(stderr, "cost:", err)
			return 2
		}
		tableOf = func(string) (*cost.Table, error) { return t, nil }
	}
	switch {
	case *check:
		if *envName != "" {
			e, err := cli.Environment(*envName)
			if err != nil {
				fmt.Fprintln(stderr, "cost:", err)
				return 2
			}
			*region = e.Region
		}
		return checkPrices(*region, tableOf, *awsCLI, stdout, stderr)
	case *base != "":
		diffs, err := cost.Diff(*base, *head)
		if err != nil {
			fmt.Fprintln(stderr, "cost:", err)
			return 1
		}
		if err := cost.WriteDiff(stdout, diffs); err != nil {
			fmt.Fprintln(stderr, "cost:", err)
			return 2
		}
		return 0
	}
	reports, err := cost.Price(*head, cost.Environments(), tableOf)
	if err != nil {
		fmt.Fprintf(stderr, "cost: %s: every resource must be classified and priced:\n%s\n", *head, err)
		return 1
	}
	if err := cost.Write(stdout, reports); err != nil {
		fmt.Fprintln(stderr, "cost:", err)
		return 2
	}
	if *docs != "" {
		page, err := os.ReadFile(*docs)
		if err != nil {
			fmt.Fprintln(stderr, "cost:", err)
			return 2
		}
		fresh, err := cost.RewriteDocs(string(page), cost.DocsBlock(reports))
		if err != nil {
			fmt.Fprintln(stderr, "cost:", err)
			return 2
		}
		if fresh != string(page) {
			if err := os.WriteFile(*docs, []byte(fresh), 0o644); err != nil {
				fmt.Fprintln(stderr, "cost:", err)
				return 2
			}
			fmt.Fprintf(stdout, "cost: rewrote the totals of %s\n", *docs)
		}
	}
	return 0
}

// checkPrices calls the AWS CLI once per row, in us-east-1, and fails naming every row that
// drifted more than 5% from the Price List or that its filter does not find.
func checkPrices(region string, tableOf func(string) (*cost.Table, error), awsCLI string, stdout, stderr io.Writer) int {
	t, err := tableOf(region)
	if err != nil {
		fmt.Fprintln(stderr, "cost:", err)
		return 2
	}
	fetch := func(args []string) ([]byte, error) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(awsCLI, args...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(errOut.String()))
		}
		return out.Bytes(), nil
	}
	problems, skipped := cost.CheckRows(t, fetch)
	for _, p := range problems {
		fmt.Fprintf(stdout, "::error::%s: %s\n", t.File, p)
	}
	checked := len(t.Prices) - len(skipped)
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%s: %d of %d rows disagree with the Price List or could not be read\n", t.File, len(problems), checked)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d rows within %.0f%% of the Price List; not in it (Databricks' own, or no filter): %s\n",
		t.File, checked, cost.MaxDrift*100, strings.Join(skipped, "; "))
	return 0
}
