// Package recipe follows docs/sources.md as a data team would, on a copy of the repository:
// one declaration edit per source, `make generate`, and the new sources in staging's templates,
// the bundle, dbt, and silver. It is its own package so that it runs beside the synth suite
// (package test) rather than inside its TestMain, and so that `make generate`'s goldens step
// (go test ./test -run TestSnapshots) never selects it.
package recipe

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The recipe's sources, each added by one edit of one declaration file (docs/sources.md).
const (
	// refunds is in public, which every environment's DMS selects; logins is in audit, which
	// none does: it must stay out of silver.
	tablesEdit = `
--
-- Name: audit; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA audit;

--
-- Name: logins; Type: TABLE; Schema: audit; Owner: -
--

CREATE TABLE audit.logins (
    login_id bigint NOT NULL,
    logged_in_at timestamp with time zone NOT NULL
);

--
-- Name: refunds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refunds (
    refund_id bigint NOT NULL,
    order_id bigint NOT NULL,
    amount numeric(12,2) NOT NULL,
    reason_code character varying(16),
    refunded_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY audit.logins
    ADD CONSTRAINT logins_pkey PRIMARY KEY (login_id);

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (refund_id);
`
	streamEdit = `
- name: clicks
  eventId: click_id
  eventTime: clicked_at
  columns:
    - {name: click_id, type: string}
    - {name: user_id, type: string, personal: true}
    - {name: target, type: string}
    - {name: clicked_at, type: timestamp}
`
	apiEdit = `
- name: fx_rates
  url: https://api.example.com/v1/rates
  params: {base: USD}
  records: data
  key: [currency, dt]
  columns:
    - {name: currency, type: string}
    - {name: rate, type: "decimal(18,8)"}
`
)

const env = "staging"

// TestOnboardingIsOneDeclarationEditEach adds a table (and one DMS does not select), a stream
// and an API source to a copy of the repository, runs `make generate`, and finds each new
// source, with exactly its declared shape, everywhere the platform derives from declarations.
func TestOnboardingIsOneDeclarationEditEach(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the repository and runs make generate and Spark")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := copyRepository(t, root)
	appendTo(t, dir, "config/sources/database.sql", tablesEdit)
	appendTo(t, dir, "config/sources/streams.yaml", streamEdit)
	appendTo(t, dir, "config/sources/api.yaml", apiEdit)
	took := run(t, dir, "make", "--no-print-directory", "generate")
	t.Logf("make generate: %.0f s", took.Seconds())

	staging := committedEnvironment(t)
	templates := func(stack string) template {
		return readTemplate(t, filepath.Join(dir, "test", "testdata", env, stack+".json"))
	}

	t.Run("the stream in Streaming, its alarms in Monitoring", func(t *testing.T) {
		streaming, defaults := templates("Streaming"), staging.Streaming.Defaults
		stream := streaming.one(t, "AWS::Kinesis::Stream", "Name", staging.StreamName("clicks"))
		assert.EqualValues(t, defaults.Shards, stream["ShardCount"])
		assert.EqualValues(t, defaults.RetentionHours, stream["RetentionPeriodHours"])
		assert.Equal(t, "KMS", stream["StreamEncryption"].(map[string]any)["EncryptionType"])
		delivery := streaming.one(t, "AWS::KinesisFirehose::DeliveryStream", "DeliveryStreamName", staging.DeliveryStreamName("clicks"))
		s3 := delivery["ExtendedS3DestinationConfiguration"].(map[string]any)
		assert.Equal(t, config.BronzeKinesisDataPrefix("clicks"), s3["Prefix"])
		assert.Equal(t, map[string]any{"IntervalInSeconds": float64(defaults.BufferingIntervalSeconds), "SizeInMBs": float64(defaults.BufferingSizeMB)}, s3["BufferingHints"])
		assert.Equal(t, string(config.CompressionGzip), s3["CompressionFormat"], "a declaration without a format is JSON, gzip")
		// Every alarm kind a sample stream has, the new stream has too.
		monitoring := templates("Monitoring")
		kinds := func(stream string) []string {
			var out []string
			for _, a := range monitoring.ofType("AWS::CloudWatch::Alarm") {
				if name := a["AlarmName"].(string); strings.Contains(name, "-"+stream+"-") {
					out = append(out, strings.Replace(name, "-"+stream+"-", "-", 1))
				}
			}
			slices.Sort(out)
			return out
		}
		sample := staging.Streaming.Streams[0].Name
		require.NotEmpty(t, kinds(sample))
		assert.Equal(t, kinds(sample), kinds("clicks"))
	})

	t.Run("each table and source in Glue's silver database, with config's silver schema", func(t *testing.T) {
		catalog := templates("Catalog")
		for _, want := range recipeSilverTables(staging) {
			input := catalog.one(t, "AWS::Glue::Table", "TableInput.Name", want.Name)["TableInput"].(map[string]any)
			assert.Equal(t, glueColumns(want.Columns), input["StorageDescriptor"].(map[string]any)["Columns"], want.Name)
			assert.Equal(t, glueColumns(want.PartitionKeys), input["PartitionKeys"], want.Name)
		}
		for _, table := range catalog.ofType("AWS::Glue::Table") {
			assert.NotContains(t, table["TableInput"].(map[string]any)["Name"], "logins", "a table DMS does not select is not in silver")
		}
	})

	t.Run("each in the bundle's parameters", func(t *testing.T) {
		variables := bundleVariables(t, dir)
		assert.Equal(t, []string{"public.customers", "public.orders", "public.order_items", "public.refunds"}, names(t, variables["rds_tables"]),
			"refunds after the sample's tables (a dependency order), audit.logins nowhere")
		assert.Contains(t, names(t, variables["streams"]), "clicks")
		assert.Contains(t, names(t, variables["api_sources"]), "fx_rates")
	})

	t.Run("each in dbt's sources, with its key's test", func(t *testing.T) {
		tests := dbtKeyTests(t, dir)
		assert.Equal(t, []string{"unique refund_id", "not_null refund_id"}, tests["public_refunds"])
		assert.Equal(t, []string{"unique click_id", "not_null click_id"}, tests["kinesis_clicks"])
		assert.Contains(t, tests["api_fx_rates"], "unique_combination currency,dt")
		assert.NotContains(t, tests, "audit_logins")
	})

	t.Run("the API source in the DAG's file", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "dags", "api_sources.json"))
		require.NoError(t, err)
		assert.Contains(t, string(raw), `"https://api.example.com/v1/rates"`)
	})

	t.Run("each reaches silver through the jobs", func(t *testing.T) {
		counts, expected := pipelineCounts(t, dir, "public.refunds", "clicks", "fx_rates")
		folders := silverFolders(t, bundleVariables(t, dir)["silver_tables"])
		for _, table := range []string{"rds/public/refunds/", "rds/public/refunds_history/", "kinesis/clicks/", "api/fx_rates/"} {
			assert.Positive(t, counts[table], "rows of %s in silver", table)
		}
		// What each generic sample says silver must hold (jobs/fixtures/samples.py), every
		// table of the three sources, read back by another Delta reader than the jobs'.
		require.ElementsMatch(t, []string{"public.refunds", "clicks", "fx_rates"}, slices.Collect(maps.Keys(expected)))
		for source, tables := range expected {
			for table, rows := range tables {
				require.Contains(t, folders, table, "%s: a silver table config does not declare", source)
				assert.Equal(t, rows, counts[folders[table]], "%s: rows of silver's %s", source, table)
			}
		}
	})
}

// recipeSilverTables are the silver tables config declares for the recipe's sources in env:
// the sources as config reads them from the edits above, with env's job columns.
func recipeSilverTables(env config.Environment) []config.SilverTable {
	column := func(name, kind string) config.Column { return config.Column{Name: name, Type: kind} }
	env.Silver.Tables = []config.ReplicatedTable{{Schema: "public", Table: "refunds", Key: []string{"refund_id"}, Columns: []config.Column{
		column("refund_id", "bigint"), column("order_id", "bigint"), column("amount", "decimal(12,2)"),
		column("reason_code", "string"), column("refunded_at", "timestamp")}}}
	env.Silver.APISources = []config.APISource{{Name: "fx_rates", Key: []string{"currency", "dt"}, Columns: []config.Column{
		column("currency", "string"), column("rate", "decimal(18,8)")}}}
	env.Streaming.Streams = []config.Stream{{Name: "clicks", EventID: "click_id", EventTime: "clicked_at", Columns: []config.Column{
		column("click_id", "string"), {Name: "user_id", Type: "string", Personal: true}, column("target", "string"), column("clicked_at", "timestamp")}}}
	var out []config.SilverTable
	for _, table := range env.SilverTables() {
		if table.Name != config.SilverWatermarks().Name && table.Name != config.SilverTablesCreated().Name {
			out = append(out, table)
		}
	}
	return out
}

// glueColumns are columns as a Glue table's input lists them.
func glueColumns(columns []config.Column) []any {
	out := []any{}
	for _, c := range columns {
		out = append(out, map[string]any{"Name": c.Name, "Type": c.Type})
	}
	return out
}

// committedEnvironment is the committed config's staging: the recipe changes only
// declarations, so its defaults are the copy's too.
func committedEnvironment(t *testing.T) config.Environment {
	t.Helper()
	envs, err := config.Select(config.All(), env)
	require.NoError(t, err)
	return envs[0]
}

// template is a synthesized template's resources.
type template map[string]map[string]any

func readTemplate(t *testing.T, path string) template {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct{ Resources template }
	require.NoError(t, json.Unmarshal(raw, &doc))
	return doc.Resources
}

// ofType is the properties of every resource of a type.
func (tp template) ofType(kind string) []map[string]any {
	var out []map[string]any
	for _, r := range tp {
		if r["Type"] == kind {
			props, _ := r["Properties"].(map[string]any)
			out = append(out, props)
		}
	}
	return out
}

// one is the properties of the one resource of a type whose property at path (dotted) is value.
func (tp template) one(t *testing.T, kind, path string, value string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, props := range tp.ofType(kind) {
		var v any = props
		for _, key := range strings.Split(path, ".") {
			m, _ := v.(map[string]any)
			v = m[key]
		}
		if v == value {
			found = append(found, props)
		}
	}
	require.Len(t, found, 1, "%s with %s %s", kind, path, value)
	return found[0]
}

// bundleVariables is the staging target's variables of the copy's jobs/targets.yml (the
// sources' are JSON text; others are lists or maps).
func bundleVariables(t *testing.T, dir string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "jobs", "targets.yml"))
	require.NoError(t, err)
	var doc struct {
		Targets map[string]struct {
			Variables map[string]any
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	target, ok := doc.Targets[env]
	require.True(t, ok, "no %s target in jobs/targets.yml", env)
	return target.Variables
}

// names is the "name" of every entry of a bundle variable's JSON list.
func names(t *testing.T, variable any) []string {
	t.Helper()
	list, ok := variable.(string)
	require.True(t, ok, "not a JSON text: %v", variable)
	var entries []struct{ Name string }
	require.NoError(t, json.Unmarshal([]byte(list), &entries))
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}

// silverFolders is, per silver table the bundle declares, its folder in the silver bucket.
func silverFolders(t *testing.T, variable any) map[string]string {
	t.Helper()
	list, ok := variable.(string)
	require.True(t, ok, "not a JSON text: %v", variable)
	var tables []struct{ Name, Prefix string }
	require.NoError(t, json.Unmarshal([]byte(list), &tables))
	out := map[string]string{}
	for _, table := range tables {
		out[table.Name] = table.Prefix
	}
	return out
}

// dbtKeyTests is, per table of the copy's dbt sources, its table-level and column tests as
// "<test> <columns>".
func dbtKeyTests(t *testing.T, dir string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "warehouse", "models", "staging", "_silver__sources.yml"))
	require.NoError(t, err)
	var doc struct {
		Sources []struct {
			Tables []struct {
				Name      string
				DataTests []any `yaml:"data_tests"`
				Columns   []struct {
					Name      string
					DataTests []any `yaml:"data_tests"`
				}
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	out := map[string][]string{}
	for _, s := range doc.Sources {
		for _, table := range s.Tables {
			for _, test := range table.DataTests {
				for name, args := range test.(map[string]any) {
					columns := args.(map[string]any)["arguments"]
					if columns == nil {
						columns = args
					}
					out[table.Name] = append(out[table.Name], fmt.Sprintf("%s %s", name, joined(columns.(map[string]any)["columns"])))
				}
			}
			for _, c := range table.Columns {
				for _, test := range c.DataTests {
					if name, ok := test.(string); ok {
						out[table.Name] = append(out[table.Name], name+" "+c.Name)
					}
				}
			}
		}
	}
	return out
}

func joined(v any) string {
	list, _ := v.([]any)
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ",")
}

// pipelineCounts runs the copy's pipeline restricted to sources (one Spark session) and counts
// the rows of every Delta table it wrote, read back with delta-rs rather than the jobs' Spark;
// expected is, per source, the rows its sample says each of its tables must hold.
func pipelineCounts(t *testing.T, dir string, sources ...string) (counts map[string]int, expected map[string]map[string]int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pipeline")
	took := run(t, filepath.Join(dir, "jobs"), ".venv/bin/python", "-m", "pipeline", "--root", out, "--only", strings.Join(sources, ","))
	t.Logf("pipeline restricted to %v: %.0f s", sources, took.Seconds())
	counter := filepath.Join(t.TempDir(), "count.py")
	require.NoError(t, os.WriteFile(counter, []byte(countScript), 0o644))
	run(t, filepath.Join(dir, "jobs"), ".venv/bin/python", counter, filepath.Join(out, "silver"), filepath.Join(out, "counts.json"))
	raw, err := os.ReadFile(filepath.Join(out, "counts.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &counts))
	raw, err = os.ReadFile(filepath.Join(out, "sample.json"))
	require.NoError(t, err)
	var sample struct{ Generic map[string]map[string]int }
	require.NoError(t, json.Unmarshal(raw, &sample))
	return counts, sample.Generic
}

// countScript counts every Delta table under silver, by its folder relative to silver, through
// delta-rs's query path (QueryBuilder, DataFusion), which applies deletion vectors: silver's
// tables have them (jobs' tables.properties), and the files a table lists (file_uris) still hold
// the rows its vectors delete, which a count of those files would include, with no error.
const countScript = `import json, os, sys
import pyarrow
from deltalake import DeltaTable, QueryBuilder
silver, out = sys.argv[1], sys.argv[2]
counts = {}
for folder, dirs, _ in os.walk(silver):
    if "_delta_log" in dirs:
        rows = QueryBuilder().register("t", DeltaTable(folder)).execute("select count(*) as n from t").read_all()
        counts[os.path.relpath(folder, silver) + "/"] = pyarrow.table(rows)["n"][0].as_py()
        dirs.clear()
with open(out, "w") as f:
    json.dump(counts, f)
`
