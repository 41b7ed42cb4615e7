// Command versions prints, for one environment of config, what versions.yml checks against
// AWS each week, as shell-readable KEY=value lines: the engine versions and instance classes
// that must still be creatable, the MWAA Airflow version, the S3 prefix list, the region, and
// where Databricks is on the jobs' node type with the workspace's zones (comma-separated), which
// EC2 must still offer it in; both empty where Databricks is off.
//
//	go run ./cmd/versions -env staging
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"dataplatform/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("versions", flag.ContinueOnError)
	flags.SetOutput(stderr)
	name := flags.String("env", "", "the environment of config whose versions to print")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	e, err := cli.Environment(*name)
	if err != nil {
		fmt.Fprintln(stderr, "versions:", err)
		return 2
	}
	var nodeType, zones string
	if e.Databricks.Enabled {
		nodeType, zones = e.Databricks.NodeType, strings.Join(e.Databricks.AvailabilityZones, ",")
	}
	if err := cli.PrintSettings(stdout, [][2]string{
		{"REGION", e.Region},
		{"POSTGRES_VERSION", e.Database.EngineVersion},
		{"RDS_INSTANCE_CLASS", e.Database.InstanceClass},
		{"DMS_VERSION", e.Cdc.EngineVersion},
		{"DMS_INSTANCE_CLASS", e.Cdc.InstanceClass},
		{"AIRFLOW_VERSION", e.Airflow.Version},
		{"S3_PREFIX_LIST", e.Network.S3PrefixListID},
		{"DATABRICKS_NODE_TYPE", nodeType},
		{"DATABRICKS_ZONES", zones},
	}); err != nil {
		fmt.Fprintln(stderr, "versions:", err)
		return 1
	}
	return 0
}
