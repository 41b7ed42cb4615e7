package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestFilesAreCurrent: the warehouse's generated files are what config generates today.
func TestFilesAreCurrent(t *testing.T) {
	files, err := Generate(config.All())
	require.NoError(t, err)
	require.Len(t, files, 3)
	for name, page := range files {
		committed, err := os.ReadFile("../../warehouse/" + name)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(committed, page), "warehouse/%s is stale: run make warehouse-config", name)
	}
}

// TestAnAthenaTargetPerEnvironmentWithSilver: each environment with Databricks on (the ones
// with silver) has an Athena target with its dbt workgroup, region, results location and gold
// database; the default target is the local one.
func TestAnAthenaTargetPerEnvironmentWithSilver(t *testing.T) {
	files, err := Generate(config.All())
	require.NoError(t, err)
	var doc map[string]struct {
		Target  string
		Outputs map[string]map[string]any
	}
	require.NoError(t, yaml.Unmarshal(files[ProfilesFile], &doc))
	profile := doc[Profile]
	assert.Equal(t, LocalTarget, profile.Target, "a bare dbt command never reaches AWS")
	assert.Equal(t, "duckdb", profile.Outputs[LocalTarget]["type"])
	targets := 0
	for _, e := range config.All() {
		out, ok := profile.Outputs[e.Name]
		require.Equal(t, e.Databricks.Enabled, ok, e.Name)
		if !ok {
			continue
		}
		targets++
		assert.Equal(t, map[string]any{
			"type": "athena", "database": "awsdatacatalog", "schema": e.DatabaseName(config.LayerGold), "region_name": e.Region,
			"work_group":     e.WorkgroupName(config.WorkgroupDbt),
			"s3_staging_dir": "s3://" + e.BucketName(config.BucketAthenaResults) + "/" + config.WorkgroupResultsPrefix(config.WorkgroupDbt),
			"s3_data_dir":    "s3://" + e.BucketName(config.BucketGold) + "/", "s3_data_naming": "schema_table_unique", "threads": 4,
		}, out, e.Name)
	}
	assert.Positive(t, targets)
}

// TestSourcesAreSilversTables: the sources are every silver table of config, in the
// environment's silver database, each read locally from its own prefix.
func TestSourcesAreSilversTables(t *testing.T) {
	files, err := Generate(config.All())
	require.NoError(t, err)
	var doc struct {
		Sources []struct {
			Name, Schema string
			Tables       []struct {
				Name string
				Meta map[string]string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(files[SourcesFile], &doc))
	require.Len(t, doc.Sources, 1)
	silver := doc.Sources[0]
	assert.Equal(t, "{{ target.name }}_silver", silver.Schema)
	for _, e := range config.All() {
		if !e.Databricks.Enabled {
			continue
		}
		assert.Equal(t, e.DatabaseName(config.LayerSilver), e.Name+"_silver", "the schema the sources name")
		var names []string
		for _, table := range e.SilverTables() {
			names = append(names, table.Name)
		}
		var got []string
		for _, table := range silver.Tables {
			got = append(got, table.Name)
		}
		require.Equal(t, names, got, e.Name)
		for i, table := range silver.Tables {
			want := strings.TrimSuffix(e.SilverTables()[i].Prefix, "/")
			assert.True(t, strings.HasSuffix(table.Meta["delta_table_path"], "}}"+want), "%s: %s", e.Name, table.Name)
		}
	}
}

// TestRefusesAnEnvironmentWithSilverButNoSpeedLayer: the serving view reads the stream.
func TestRefusesAnEnvironmentWithSilverButNoSpeedLayer(t *testing.T) {
	envs := config.All()
	envs[1].Streaming.SpeedLayer = false
	_, err := Generate(envs)
	require.Error(t, err)
	assert.Equal(t, "staging: databricks is on but streaming.speedLayer is off: the serving view reads the speed layer's orders-events", err.Error())
}
