package main

import (
	"bytes"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
)

func TestPrintsWhatVersionsYmlChecks(t *testing.T) {
	var out, errs bytes.Buffer
	assert.Equal(t, 0, run([]string{"-env", "staging"}, &out, &errs), errs.String())
	var staging config.Environment
	for _, e := range config.All() {
		if e.Name == "staging" {
			staging = e
		}
	}
	assert.Equal(t, "REGION="+staging.Region+"\n"+
		"POSTGRES_VERSION="+staging.Database.EngineVersion+"\n"+
		"RDS_INSTANCE_CLASS="+staging.Database.InstanceClass+"\n"+
		"DMS_VERSION="+staging.Cdc.EngineVersion+"\n"+
		"DMS_INSTANCE_CLASS="+staging.Cdc.InstanceClass+"\n"+
		"AIRFLOW_VERSION="+staging.Airflow.Version+"\n"+
		"S3_PREFIX_LIST="+staging.Network.S3PrefixListID+"\n"+
		"DATABRICKS_NODE_TYPE="+staging.Databricks.NodeType+"\n"+
		"DATABRICKS_ZONES="+strings.Join(staging.Databricks.AvailabilityZones, ",")+"\n", out.String())
}

// TestPrintsNoNodeTypeWhereDatabricksIsOff: the script then checks none.
func TestPrintsNoNodeTypeWhereDatabricksIsOff(t *testing.T) {
	checked := 0
	for _, e := range config.All() {
		var out, errs bytes.Buffer
		assert.Equal(t, 0, run([]string{"-env", e.Name}, &out, &errs), errs.String())
		want := "DATABRICKS_NODE_TYPE=\nDATABRICKS_ZONES=\n"
		if e.Databricks.Enabled {
			want = "DATABRICKS_NODE_TYPE=" + e.Databricks.NodeType + "\nDATABRICKS_ZONES=" + strings.Join(e.Databricks.AvailabilityZones, ",") + "\n"
		} else {
			checked++
		}
		assert.True(t, strings.HasSuffix(out.String(), want), "%s: %s", e.Name, out.String())
	}
	if checked == 0 {
		t.Log("every committed environment has Databricks on: the off case is not exercised")
	}
}

func TestRefusesAMissingOrUnknownEnvironment(t *testing.T) {
	for _, args := range [][]string{{}, {"-env", "nowhere"}} {
		var out, errs bytes.Buffer
		assert.Equal(t, 2, run(args, &out, &errs), args)
		assert.Contains(t, errs.String(), "-env must name one environment of config")
		assert.Empty(t, out.String())
	}
}
