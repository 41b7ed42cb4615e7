// Command smoke prints, for one environment of config, what .github/scripts/smoke.sh needs to
// trigger the platform_smoke DAG through MWAA's InvokeRestApi, as shell-readable KEY=value
// lines: the region, the MWAA environment's name, its webserver access mode, and, where that is
// PRIVATE_ONLY, the relay function smoke.sh calls instead (InvokeRestApi on a PRIVATE_ONLY
// webserver cannot be called from outside the VPC; stacks/airflow_relay.go). For an environment
// with MWAA off (airflow.disabled) it prints nothing, says so on stderr, and exits 3.
//
//	go run ./cmd/smoke -env staging
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"dataplatform/config"
	"dataplatform/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("smoke", flag.ContinueOnError)
	flags.SetOutput(stderr)
	name := flags.String("env", "", "the environment of config whose MWAA environment to print")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	e, err := cli.Environment(*name)
	if err != nil {
		fmt.Fprintln(stderr, "smoke:", err)
		return 2
	}
	if !e.Airflow.Enabled() {
		fmt.Fprintf(stderr, "smoke: %s has MWAA off (airflow.disabled in config/%s.go): no Airflow, so no platform_smoke DAG to run; "+
			"turn MWAA on to run it (docs/costs-and-limits.md, \"Turning MWAA on in develop\"), or run the DAGs offline with make dag-test\n", e.Name, e.Name)
		return 3
	}
	relay := ""
	if e.Airflow.WebserverAccessMode == config.WebserverPrivateOnly {
		relay = e.AirflowRelayFunctionName()
	}
	if err := cli.PrintSettings(stdout, [][2]string{
		{"REGION", e.Region},
		{"AIRFLOW_ENVIRONMENT", e.AirflowEnvironmentName()},
		{"WEBSERVER_ACCESS", e.Airflow.WebserverAccessMode},
		{"RELAY_FUNCTION", relay},
	}); err != nil {
		fmt.Fprintln(stderr, "smoke:", err)
		return 1
	}
	return 0
}
