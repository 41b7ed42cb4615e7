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
		assert.True(t, bytes.Equal(committed, page), "warehouse/%s is stale: run make generate", name)
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
	// The local target reads silver with the project's plugin, from the folder it names.
	assert.Equal(t, []any{PluginPath}, profile.Outputs[LocalTarget]["module_paths"])
	assert.Equal(t, []any{map[string]any{"module": SilverPlugin}}, profile.Outputs[LocalTarget]["plugins"])
	assert.FileExists(t, "../../warehouse/"+PluginPath+"/"+SilverPlugin+".py")
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
				Meta map[string]any
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
			assert.True(t, strings.HasSuffix(table.Meta["delta_table_path"].(string), "}}"+want), "%s: %s", e.Name, table.Name)
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

// sourceTable is one table of the generated sources, as dbt reads it.
type sourceTable struct {
	Name    string
	Columns []struct {
		Name      string
		DataType  string `yaml:"data_type"`
		Quote     bool
		DataTests []string `yaml:"data_tests"`
	}
	DataTests     []map[string]map[string]map[string][]string `yaml:"data_tests"`
	LoadedAtQuery string                                      `yaml:"loaded_at_query"`
	Freshness     map[string]map[string]any
	Meta          struct{ Declared map[string]string }
}

// sourceTables are the generated sources' tables of envs, by name.
func sourceTables(t *testing.T, envs []config.Environment) map[string]sourceTable {
	t.Helper()
	files, err := Generate(envs)
	require.NoError(t, err)
	var doc struct {
		Sources []struct{ Tables []sourceTable }
	}
	require.NoError(t, yaml.Unmarshal(files[SourcesFile], &doc))
	require.Len(t, doc.Sources, 1)
	out := map[string]sourceTable{}
	for _, table := range doc.Sources[0].Tables {
		out[table.Name] = table
	}
	return out
}

// madeUp is an environment with silver whose sources are made up, one of each kind: a
// replicated table and an API source with composite keys (one column of each named like an SQL
// keyword), and a stream. Each has a timestamp column that is not the one its freshness reads.
func madeUp() config.Environment {
	var e config.Environment
	for _, env := range config.All() {
		if env.Databricks.Enabled {
			e = env
			break
		}
	}
	e.Silver.Tables = []config.ReplicatedTable{{Schema: "shop", Table: "basket_lines", Key: []string{"basket", "order"},
		Columns: []config.Column{{Name: "basket", Type: "bigint"}, {Name: "order", Type: "int"}, {Name: "added_at", Type: "timestamp"}}}}
	e.Streaming.Streams = []config.Stream{{Name: "clicks", EventID: "click_id", EventTime: "clicked_at",
		Columns: []config.Column{{Name: "click_id", Type: "string"}, {Name: "sent_at", Type: "timestamp"}, {Name: "clicked_at", Type: "timestamp"}}}}
	e.Silver.APISources = []config.APISource{{Name: "fx", Key: []string{"date", config.BronzeAPIDayColumn},
		Columns: []config.Column{{Name: "date", Type: "string"}, {Name: "published", Type: "timestamp"}, {Name: "rate", Type: "double"}}}}
	return e
}

// TestEachDeclaredSourceHasItsKeysTestAndItsKindsFreshness: of a made-up config, each declared
// source's silver table (a replicated table's current state, a stream's events, an API source's
// records) lists its columns, tests its key (one column: unique and not_null; several: each
// not_null and together the project's unique_combination), quoting the key's columns, and reads
// its freshness from its kind's column: DMS's commit time in the table's history, the event
// time, the ingestion day.
//
// dbt's source properties (https://docs.getdbt.com/reference/resource-properties/data-tests):
// "sources: - name: <source_name> tables: - name: <table_name> data_tests: - <test_name>:
// arguments: <argument_name>: <argument_value> ... columns: - name: <column_name> data_tests:
// - <test_name>"; a column's quoting (https://docs.getdbt.com/reference/resource-properties/quote):
// "columns: - name: <column_name> ... quote: true | false"; and freshness
// (https://docs.getdbt.com/reference/resource-properties/freshness): "loaded_at_query:
// <sql_expression>" with "error_after: count: <positive_integer> period: minute | hour | day".
func TestEachDeclaredSourceHasItsKeysTestAndItsKindsFreshness(t *testing.T) {
	e := madeUp()
	tables := sourceTables(t, []config.Environment{e})
	table, stream, api := e.Silver.Tables[0], e.Streaming.Streams[0], e.Silver.APISources[0]
	for _, c := range []struct {
		kind, name   string
		held         config.SilverTable
		columns, key []string
		// The newest arrival (the freshness column's newest value, as a timestamp), and the
		// table it is read in.
		newest string
		from   config.SilverTable
	}{
		{KindTable, "shop.basket_lines", table.Current(), []string{"basket", "order", "added_at", e.Cdc.TimestampColumnName, config.BronzeCDCSequenceColumn, config.SilverChangeFlagColumn},
			table.Key, "max({{ adapter.quote('" + e.Cdc.TimestampColumnName + "') }})", table.History()},
		{KindStream, "clicks", stream.Events(), []string{"click_id", "sent_at", "clicked_at", config.SilverBronzeFileColumn, config.SilverStreamDayColumn},
			[]string{stream.EventID}, "max({{ adapter.quote('" + stream.EventTime + "') }})", stream.Events()},
		// A day is a date: its midnight (UTC) is the timestamp dbt compares with now.
		{KindAPI, "fx", api.Current(), []string{"date", "published", "rate", config.BronzeAPIDayColumn},
			api.Key, "cast(max({{ adapter.quote('" + config.BronzeAPIDayColumn + "') }}) as timestamp)", api.Current()},
	} {
		got, ok := tables[c.held.Name]
		require.True(t, ok, "%s %s: no source table %s", c.kind, c.name, c.held.Name)
		assert.Equal(t, map[string]string{"kind": c.kind, "name": c.name, "table": c.held.Name}, got.Meta.Declared, c.name)
		var names []string
		tests := map[string][]string{}
		for _, column := range got.Columns {
			names = append(names, column.Name)
			if column.DataTests != nil {
				tests[column.Name] = column.DataTests
				assert.True(t, column.Quote, "%s: key column %s is quoted in its tests", c.name, column.Name)
			}
		}
		assert.Equal(t, c.columns, names, c.name)
		want := map[string][]string{}
		for _, k := range c.key {
			want[k] = []string{"not_null"}
		}
		if len(c.key) == 1 {
			want[c.key[0]] = []string{"unique", "not_null"}
			assert.Empty(t, got.DataTests, c.name)
		} else {
			assert.Equal(t, []map[string]map[string]map[string][]string{{UniqueCombinationTest: {"arguments": {"columns": c.key}}}}, got.DataTests, c.name)
		}
		assert.Equal(t, want, tests, c.name)

		assert.Equal(t, map[string]any{"count": e.Warehouse.FreshnessHours, "period": "hour"}, got.Freshness["error_after"], c.name)
		from := "{{ this }}"
		if c.from.Name != c.held.Name {
			from = "{{ source('silver', '" + c.from.Name + "') }}"
		}
		assert.True(t, strings.HasPrefix(got.LoadedAtQuery, "select coalesce((select "+c.newest+" from "+from+"), "), "%s: %s", c.name, got.LoadedAtQuery)
		assert.Contains(t, got.LoadedAtQuery, "= '"+c.held.Name+"'", "%s: while empty, its own creation", c.name)
	}
	// The source's other tables name it too, and only the table that holds its rows has freshness.
	for _, other := range []config.SilverTable{table.History(), stream.Late(), stream.Quarantine(), api.Quarantine()} {
		got := tables[other.Name]
		assert.NotEmpty(t, got.Meta.Declared["name"], other.Name)
		assert.Empty(t, got.LoadedAtQuery, other.Name)
	}
}

// TestSmokeMarkerMacros: the staging models filter platform_smoke's rows by these macros,
// which render the marks config gives (a number, and a quoted SQL string literal).
func TestSmokeMarkerMacros(t *testing.T) {
	files, err := Generate(config.All())
	require.NoError(t, err)
	macros := string(files[ConfigFile])
	assert.Contains(t, macros, `{%- macro smoke_canary_customer() -%}{{ return(-1) }}{%- endmacro %}`)
	assert.Contains(t, macros, `{%- macro smoke_event_prefix() -%}{{ return("'platform-smoke-'") }}{%- endmacro %}`)
}
