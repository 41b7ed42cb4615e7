package config

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// In staging, silver.tables are public.customers, public.orders and public.order_items, and
// apiSources[2] is the exchange rates (keyed by currency and dt).
func TestInvalidSilver(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"no tables", func(e *Environment) { e.Silver.Tables = nil },
			[]string{`staging: silver.tables 0: must name at least one replicated table: the CDC job merges them`}},
		{"table not captured", func(e *Environment) { e.Silver.Tables[0].Schema = "sales" },
			[]string{`staging: silver.tables[0] "sales.customers": is not captured by DMS: add it to cdc.include (or remove it from cdc.exclude), or drop it here`}},
		{"table excluded", func(e *Environment) { e.Silver.Tables[0].Table = "flyway_schema_history" },
			[]string{`staging: silver.tables[0] "public.flyway_schema_history": is not captured by DMS: add it to cdc.include (or remove it from cdc.exclude), or drop it here`}},
		{"dms artefact", func(e *Environment) { e.Silver.Tables[0].Table = "awsdms_ddl_audit" },
			[]string{`staging: silver.tables[0] "public.awsdms_ddl_audit": is not captured by DMS: add it to cdc.include (or remove it from cdc.exclude), or drop it here`}},
		{"wildcard table", func(e *Environment) { e.Silver.Tables[0].Table = "order%" },
			[]string{`staging: silver.tables[0].table "order%": must be a lowercase PostgreSQL name: 1-63 lowercase letters, digits or _, starting with a letter (no wildcard)`}},
		{"uppercase schema", func(e *Environment) { e.Silver.Tables[0].Schema = "Public" },
			[]string{`staging: silver.tables[0].schema "Public": must be a lowercase PostgreSQL name: 1-63 lowercase letters, digits or _, starting with a letter`}},
		{"repeated table", func(e *Environment) { e.Silver.Tables[1] = e.Silver.Tables[0] },
			// public.orders is gone, which the serving view answers for.
			[]string{`staging: silver.tables[1] "public.customers": must not repeat another table`, `staging: warehouse.serving.table "public.orders": must be one of silver.tables (schema.table)`}},
		{"history name taken", func(e *Environment) { e.Silver.Tables[2].Table = "customers_history"; e.Cdc.Include[0].Table = "%" },
			[]string{`staging: silver.tables "public_customers_history": gives two silver tables the name public_customers_history: rename one in the source or leave one out`}},
		{"stream table name taken", func(e *Environment) {
			e.Cdc.Include = append(e.Cdc.Include, TableSelector{Schema: "kinesis", Table: "web_events"})
			e.Silver.Tables = append(e.Silver.Tables, ReplicatedTable{Schema: "kinesis", Table: "web_events", Key: []string{"id"}, Columns: []Column{{Name: "id", Type: "bigint"}}})
		}, []string{`staging: silver.tables "kinesis_web_events": gives two silver tables the name kinesis_web_events: rename one in the source or leave one out`}},
		{"the watermarks table's name taken", func(e *Environment) {
			e.Cdc.Include = append(e.Cdc.Include, TableSelector{Schema: "batch", Table: "watermarks"})
			e.Silver.Tables = append(e.Silver.Tables, ReplicatedTable{Schema: "batch", Table: "watermarks", Key: []string{"id"}, Columns: []Column{{Name: "id", Type: "bigint"}}})
		}, []string{`staging: silver.tables "batch_watermarks": gives two silver tables the name batch_watermarks: rename one in the source or leave one out`}},
		{"the created-tables table's name taken", func(e *Environment) {
			e.Cdc.Include = append(e.Cdc.Include, TableSelector{Schema: "batch", Table: "tables_created"})
			e.Silver.Tables = append(e.Silver.Tables, ReplicatedTable{Schema: "batch", Table: "tables_created", Key: []string{"id"}, Columns: []Column{{Name: "id", Type: "bigint"}}})
		}, []string{`staging: silver.tables "batch_tables_created": gives two silver tables the name batch_tables_created: rename one in the source or leave one out`}},
		{"no key", func(e *Environment) { e.Silver.Tables[2].Key = nil },
			[]string{`staging: silver.tables[2].key []: must name 1 to 32 distinct columns (lowercase letters, digits, _)`}},
		{"repeated key column", func(e *Environment) { e.Silver.Tables[2].Key = []string{"order_id", "order_id"} },
			[]string{`staging: silver.tables[2].key [order_id order_id]: must name 1 to 32 distinct columns (lowercase letters, digits, _)`}},
		{"no columns", func(e *Environment) { e.Silver.Tables[0].Columns = nil },
			[]string{`staging: silver.tables[0].columns 0: must list 1 to 1600 columns (PostgreSQL's most), every key column among them`}},
		{"key column not declared", func(e *Environment) { e.Silver.Tables[2].Columns = e.Silver.Tables[2].Columns[2:] },
			[]string{`staging: silver.tables[2].columns 3: must list 1 to 1600 columns (PostgreSQL's most), every key column among them`}},
		{"column the cdc job adds", func(e *Environment) { e.Silver.Tables[0].Columns[1].Name = BronzeCDCSequenceColumn },
			[]string{`staging: silver.tables[0].columns "dms_change_seq": is a column the CDC job adds (DMS's operation, commit time or change sequence): rename the source column or cdc.timestampColumnName`}},
		{"column the history adds, in another case", func(e *Environment) { e.Silver.Tables[0].Columns[1].Name = "op" },
			[]string{`staging: silver.tables[0].columns "op": is a column the CDC job adds (DMS's operation, commit time or change sequence): rename the source column or cdc.timestampColumnName`}},
		{"column twice", func(e *Environment) { e.Silver.Tables[0].Columns[1].Name = "customer_id" },
			[]string{`staging: silver.tables[0].columns[1].name "customer_id": must be lowercase letters, digits or underscores, starting with a letter (as PostgreSQL folds unquoted names), and unique in the table`}},
		{"column type", func(e *Environment) { e.Silver.Tables[0].Columns[1].Type = "text" },
			[]string{`staging: silver.tables[0].columns[1].type "text": must be one of [string boolean int bigint float double date timestamp] or decimal(p,s) with p up to 38: the Hive type of DMS's Parquet column`}},
		{"api source name", func(e *Environment) { e.Silver.APISources[0].Name = "Coinbase" },
			[]string{`staging: silver.apiSources[0].name "Coinbase": must be an API source name: 2-63 lowercase letters, digits or _, starting with a letter`}},
		{"api source twice", func(e *Environment) { e.Silver.APISources[1].Name = e.Silver.APISources[0].Name },
			[]string{`staging: silver.apiSources[1].name "coinbase_btc_usd_trades": must be unique`}},
		{"api key not a column", func(e *Environment) { e.Silver.APISources[0].Key = []string{"id"} },
			[]string{`staging: silver.apiSources[0].key [id]: must name 1 to 32 distinct columns of the source's columns or dt (the ingestion day)`}},
		{"api key on a map", func(e *Environment) { e.Silver.APISources[2].Key = []string{"rates"} },
			[]string{`staging: silver.apiSources[2].key [rates]: must name 1 to 32 distinct columns of the source's columns or dt (the ingestion day)`}},
		{"api column type", func(e *Environment) { e.Silver.APISources[0].Columns[2].Type = "decimal(39,2)" },
			[]string{`staging: silver.apiSources[0].columns[2].type "decimal(39,2)": must be one of [string boolean int bigint float double date timestamp], map<string,string> or decimal(p,s) with p up to 38`}},
		{"no api columns", func(e *Environment) { e.Silver.APISources[0].Columns = nil },
			[]string{
				`staging: silver.apiSources[0].columns 0: must list 1 to 200 columns`,
				`staging: silver.apiSources[0].key [trade_id]: must name 1 to 32 distinct columns of the source's columns or dt (the ingestion day)`,
			}},
		{"api column twice", func(e *Environment) { e.Silver.APISources[0].Columns[1].Name = "trade_id" },
			[]string{`staging: silver.apiSources[0].columns[1].name "trade_id": must be lowercase letters, digits or underscores, starting with a letter, unique in the source, and not dt, record or reason (the job adds them)`}},
		{"api column dt", func(e *Environment) { e.Silver.APISources[2].Columns[0].Name = BronzeAPIDayColumn },
			[]string{
				`staging: silver.apiSources[2].columns[0].name "dt": must be lowercase letters, digits or underscores, starting with a letter, unique in the source, and not dt, record or reason (the job adds them)`,
				`staging: silver.apiSources[2].key [currency dt]: must name 1 to 32 distinct columns of the source's columns or dt (the ingestion day)`,
			}},
		{"retention below delta's floor", func(e *Environment) { e.Silver.RetentionDays = 6 },
			[]string{`staging: silver.retentionDays 6: must be from 7 to 3650`}},
	})
}

func TestLike(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"%", "orders", true}, {"orders", "orders", true}, {"orders", "order", false},
		{"order%", "order_items", true}, {"%_items", "order_items", true}, {"a%a", "a", false},
		{"awsdms_%", "awsdms_ddl_audit", true}, {"awsdms_%", "orders", false}, {"o%r%s", "orders", true},
	} {
		assert.Equal(t, c.want, like(c.pattern, c.name), "%q ~ %q", c.pattern, c.name)
	}
}

// TestSilverTablesAreTheSampleSchemas: every environment's silver tables are tables of
// config/sources/orders.sql, keyed by exactly their primary keys.
func TestSilverTablesAreTheSampleSchemas(t *testing.T) {
	sql, err := os.ReadFile("sources/orders.sql")
	require.NoError(t, err)
	keys := map[string][]string{}
	table := regexp.MustCompile(`(?s)CREATE TABLE ([a-z_]+\.[a-z_]+) \((.*?)\n\);`)
	primary := regexp.MustCompile(`PRIMARY KEY \(([^)]*)\)`)
	for _, m := range table.FindAllStringSubmatch(string(sql), -1) {
		pk := primary.FindStringSubmatch(m[2])
		require.NotNil(t, pk, "%s has no primary key", m[1])
		keys[m[1]] = strings.Split(strings.ReplaceAll(pk[1], " ", ""), ",")
	}
	require.Len(t, keys, 3, "customers, orders, order_items")
	for _, e := range All() {
		for _, tbl := range e.Silver.Tables {
			assert.Equal(t, keys[tbl.Name()], tbl.Key, "%s: silver.tables %s", e.Name, tbl.Name())
		}
	}
}

// silverTypes is the type silver keeps a PostgreSQL column of the sample DDL as: DMS's type for
// it (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.PostgreSQL.html, "Source
// data types for PostgreSQL": INTEGER INT4, BIGINT INT8, NUMERIC(p,s) NUMERIC, CHAR WSTRING, TEXT
// NCLOB, TIMESTAMP WITH TIME ZONE TIMESTAMP), then the Parquet type DMS writes for that
// (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html, "Target data types
// for S3 Parquet": INT32, INT64, DECIMAL, STRING, STRING, TIMESTAMP), as Spark reads it.
func silverType(pg string) string {
	if m := regexp.MustCompile(`^numeric\((\d+), ?(\d+)\)$`).FindStringSubmatch(pg); m != nil {
		return "decimal(" + m[1] + "," + m[2] + ")"
	}
	if regexp.MustCompile(`^char\(\d+\)$`).MatchString(pg) {
		return "string"
	}
	return map[string]string{"integer": "int", "bigint": "bigint", "text": "string", "timestamptz": "timestamp"}[pg]
}

// TestSilverColumnsAreTheSampleSchemas: every replicated table's declared columns are its
// columns in config/sources/orders.sql, in order, each with the type silver keeps it as.
func TestSilverColumnsAreTheSampleSchemas(t *testing.T) {
	sql, err := os.ReadFile("sources/orders.sql")
	require.NoError(t, err)
	table := regexp.MustCompile(`(?s)CREATE TABLE ([a-z_]+\.[a-z_]+) \((.*?)\n\);`)
	column := regexp.MustCompile(`^\s+([a-z_][a-z0-9_]*) (numeric\(\d+, ?\d+\)|char\(\d+\)|[a-z]+)`)
	ddl := map[string][]Column{}
	for _, m := range table.FindAllStringSubmatch(string(sql), -1) {
		for _, line := range strings.Split(m[2], "\n") {
			if c := column.FindStringSubmatch(line); c != nil && c[1] != "primary" {
				kind := silverType(c[2])
				require.NotEmpty(t, kind, "%s.%s: no silver type for PostgreSQL's %s", m[1], c[1], c[2])
				ddl[m[1]] = append(ddl[m[1]], Column{Name: c[1], Type: kind})
			}
		}
	}
	require.Len(t, ddl, 3, "customers, orders, order_items")
	for _, e := range All() {
		for _, tbl := range e.Silver.Tables {
			assert.Equal(t, ddl[tbl.Name()], tbl.Columns, "%s: silver.tables %s", e.Name, tbl.Name())
		}
	}
}

// TestSilverAPISourcesAreTheDagsSources: silver types exactly the sources the API DAG pulls.
func TestSilverAPISourcesAreTheDagsSources(t *testing.T) {
	raw, err := os.ReadFile("../dags/api_sources.json")
	require.NoError(t, err)
	var sources []struct{ Name string }
	require.NoError(t, json.Unmarshal(raw, &sources))
	var pulled []string
	for _, s := range sources {
		pulled = append(pulled, s.Name)
	}
	for _, e := range All() {
		var typed []string
		for _, s := range e.Silver.APISources {
			typed = append(typed, s.Name)
		}
		assert.ElementsMatch(t, pulled, typed, "%s: silver.apiSources and dags/api_sources.json", e.Name)
		assert.False(t, slices.Contains(typed, ""))
	}
}

// TestSilverTablesDeclareTheirSchemas: every environment's silver tables declare their columns
// and partition columns, each once, with types Athena reads from a Delta table. Athena,
// "Supported column data types" for Delta Lake
// (https://docs.aws.amazon.com/athena/latest/ug/delta-lake-tables-supported-data-types-columns.html):
// non-partition columns take every Athena type but CHAR; "For partition columns, Athena supports
// tables with the following data types: boolean integer smallint tinyint bigint decimal float
// double date timestamp varchar".
func TestSilverTablesDeclareTheirSchemas(t *testing.T) {
	partitionTypes := []string{"boolean", "int", "smallint", "tinyint", "bigint", "float", "double", "date", "timestamp", "string"}
	tables := 0
	for _, e := range All() {
		for _, st := range e.SilverTables() {
			tables++
			require.NotEmpty(t, st.Columns, "%s: %s", e.Name, st.Name)
			require.NotNil(t, st.PartitionKeys, "%s: %s: [] at least, for Glue", e.Name, st.Name)
			seen := map[string]bool{}
			for _, c := range slices.Concat(st.Columns, st.PartitionKeys) {
				assert.False(t, seen[c.Name], "%s: %s declares %s twice", e.Name, st.Name, c.Name)
				seen[c.Name] = true
				assert.True(t, slices.Contains(ColumnTypes, c.Type) || c.Type == mapType || decimalPattern.MatchString(c.Type),
					"%s: %s.%s: %s", e.Name, st.Name, c.Name, c.Type)
			}
			for _, c := range st.PartitionKeys {
				assert.True(t, slices.Contains(partitionTypes, c.Type) || decimalPattern.MatchString(c.Type),
					"%s: %s: partition column %s: %s", e.Name, st.Name, c.Name, c.Type)
			}
		}
	}
	assert.Positive(t, tables)
}
