// Command smoke prints, for one environment of config, what .github/scripts/smoke.sh needs to
// trigger the platform_smoke DAG through MWAA's InvokeRestApi, as shell-readable KEY=value
// lines: the region, the MWAA environment's name, its webserver access mode, and, where that is
// PRIVATE_ONLY, the relay function smoke.sh calls instead (InvokeRestApi on a PRIVATE_ONLY
// webserver cannot be called from outside the VPC; stacks/airflow_relay.go).
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
