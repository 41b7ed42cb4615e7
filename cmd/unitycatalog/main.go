// Command unitycatalog prints an environment's Unity Catalog plan, as JSON, from config: the
// storage credential, the external location of each layer, the catalog and its schemas, and
// the jobs' grants, with where in the stacks' outputs to find the credential's role. The
// set-up command (unitycatalog/, Databricks SDK) makes the workspace match it.
//
//	go run ./cmd/unitycatalog -env staging > plan.json
//
// An environment with databricks.unityCatalog.enabled off has no plan: that is an error.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"dataplatform/internal/cli"
	"dataplatform/internal/unitycatalog"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("unitycatalog", flag.ContinueOnError)
	flags.SetOutput(stderr)
	name := flags.String("env", "", "the environment whose plan to print")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	e, err := cli.Environment(*name)
	if err == nil && !e.Databricks.UnityCatalog.Enabled {
		err = fmt.Errorf("%s has databricks.unityCatalog.enabled off: it has no Unity Catalog to set up", e.Name)
	}
	if err != nil {
		fmt.Fprintln(stderr, "unitycatalog:", err)
		return 2
	}
	page, err := json.MarshalIndent(unitycatalog.NewPlan(e), "", "  ")
	if err == nil {
		_, err = fmt.Fprintf(stdout, "%s\n", page)
	}
	if err != nil {
		fmt.Fprintln(stderr, "unitycatalog:", err)
		return 1
	}
	return 0
}
