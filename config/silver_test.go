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
			e.Silver.Tables = append(e.Silver.Tables, ReplicatedTable{Schema: "kinesis", Table: "web_events", Key: []string{"id"}})
		}, []string{`staging: silver.tables "kinesis_web_events": gives two silver tables the name kinesis_web_events: rename one in the source or leave one out`}},
		{"no key", func(e *Environment) { e.Silver.Tables[2].Key = nil },
			[]string{`staging: silver.tables[2].key []: must name 1 to 32 distinct columns (lowercase letters, digits, _)`}},
		{"repeated key column", func(e *Environment) { e.Silver.Tables[2].Key = []string{"order_id", "order_id"} },
			[]string{`staging: silver.tables[2].key [order_id order_id]: must name 1 to 32 distinct columns (lowercase letters, digits, _)`}},
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
