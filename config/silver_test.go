package config

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// In staging, silver.tables are public.customers, public.orders and public.order_items.
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
			[]string{`staging: silver.tables[2].key []: public.order_items has no primary key in config/sources/database.sql: DMS cannot replicate its updates and deletes without one; add a primary key, or leave the table out with cdc.exclude`}},
		{"captured table without a primary key", func(e *Environment) { e.Silver.Tables = captured(e.Cdc, append(SourceTables(), keyless)) },
			[]string{`staging: silver.tables[3].key []: public.events has no primary key in config/sources/database.sql: DMS cannot replicate its updates and deletes without one; add a primary key, or leave the table out with cdc.exclude`}},
		{"repeated key column", func(e *Environment) { e.Silver.Tables[2].Key = []string{"order_id", "order_id"} },
			[]string{`staging: silver.tables[2].key [order_id order_id]: must name 1 to 32 distinct columns (lowercase letters, digits, _)`}},
		{"no columns", func(e *Environment) { e.Silver.Tables[0].Columns = nil },
			[]string{`staging: silver.tables[0].columns 0: must list 1 to 1600 columns (PostgreSQL's most), every key column among them`}},
		{"key column not declared", func(e *Environment) { e.Silver.Tables[2].Columns = e.Silver.Tables[2].Columns[2:] },
			[]string{`staging: silver.tables[2].columns 3: must list 1 to 1600 columns (PostgreSQL's most), every key column among them`}},
		{"column the cdc job adds", func(e *Environment) { e.Silver.Tables[0].Columns[1].Name = BronzeCDCSequenceColumn },
			[]string{`staging: silver.tables[0].columns "dms_change_seq": is, compared without case, a column the jobs add (Op, dms_commit_ts, dms_change_seq, _cdc, _bronze_file, _watermark, dt, event_date, _commit_date, source, record, reason, _corrupt_record, _n, _rank, _raw, _erased_key, _erased_at): rename the source column, or cdc.timestampColumnName if it is that one`}},
		{"column the history adds, in another case", func(e *Environment) { e.Silver.Tables[0].Columns[1].Name = "op" },
			[]string{`staging: silver.tables[0].columns "op": is, compared without case, a column the jobs add (Op, dms_commit_ts, dms_change_seq, _cdc, _bronze_file, _watermark, dt, event_date, _commit_date, source, record, reason, _corrupt_record, _n, _rank, _raw, _erased_key, _erased_at): rename the source column, or cdc.timestampColumnName if it is that one`}},
		{"column twice", func(e *Environment) { e.Silver.Tables[0].Columns[1].Name = "customer_id" },
			[]string{`staging: silver.tables[0].columns[1].name "customer_id": must be lowercase letters, digits or underscores, starting with a letter (as PostgreSQL folds unquoted names), and unique in the table`}},
		{"column type", func(e *Environment) { e.Silver.Tables[0].Columns[1].Type = "text" },
			[]string{`staging: silver.tables[0].columns[1].type "text": must be one of [string boolean int bigint float double date timestamp] or decimal(p,s) with p up to 38: the Hive type of DMS's Parquet column`}},
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

// keyless is a table of the DDL without a primary key, as tables.json records it.
var keyless = SourceTable{Schema: "public", Table: "events", Key: []string{},
	Columns: []SourceColumn{{Name: "event_id", SourceType: "bigint", Type: "bigint"}}}

// TestExcludedTableWithoutKeyIsLeftOut: the way out the refusal names, cdc.exclude, leaves the
// keyless table out of silver, and the environment is valid.
func TestExcludedTableWithoutKeyIsLeftOut(t *testing.T) {
	env := staging()
	env.Cdc.Exclude = append(env.Cdc.Exclude, TableSelector{Schema: "public", Table: "events"})
	env.Silver.Tables = captured(env.Cdc, append(SourceTables(), keyless))
	require.NoError(t, Validate(env))
	assert.NotContains(t, tableNames(env.Silver.Tables), "public.events")
}

// TestSilverKeepsTheCapturedTables: silver keeps the DDL's tables that DMS's selection captures
// (cdc.include minus cdc.exclude), in tables.json's order, each with its key and typed columns.
func TestSilverKeepsTheCapturedTables(t *testing.T) {
	column := func(name, source, silver string) SourceColumn {
		return SourceColumn{Name: name, SourceType: source, Type: silver}
	}
	tables := []SourceTable{
		{Schema: "sales", Table: "invoices", Key: []string{"invoice_id"}, Columns: []SourceColumn{
			column("invoice_id", "bigint", "bigint"), column("amount", "numeric(10,2)", "decimal(10,2)")}},
		{Schema: "sales", Table: "invoice_lines", Key: []string{"invoice_id", "line"}, Columns: []SourceColumn{
			column("invoice_id", "bigint", "bigint"), column("line", "integer", "int")}},
		{Schema: "audit", Table: "log", Key: []string{"id"}, Columns: []SourceColumn{column("id", "uuid", "string")}},
		{Schema: "sales", Table: "flyway_schema_history", Key: []string{"rank"}, Columns: []SourceColumn{column("rank", "integer", "int")}},
	}
	for _, c := range []struct {
		name             string
		include, exclude []TableSelector
		want             []string
	}{
		{"a schema", []TableSelector{{Schema: "sales", Table: "%"}}, nil, []string{"sales.invoices", "sales.invoice_lines", "sales.flyway_schema_history"}},
		{"less what is excluded", []TableSelector{{Schema: "sales", Table: "%"}}, []TableSelector{{Schema: "sales", Table: "flyway_%"}}, []string{"sales.invoices", "sales.invoice_lines"}},
		{"in tables.json's order", []TableSelector{{Schema: "sales", Table: "invoice_lines"}, {Schema: "audit", Table: "log"}, {Schema: "sales", Table: "invoices"}}, nil,
			[]string{"sales.invoices", "sales.invoice_lines", "audit.log"}},
		{"a schema DMS does not select", []TableSelector{{Schema: "public", Table: "%"}}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, tableNames(captured(Cdc{Include: c.include, Exclude: c.exclude}, tables)))
		})
	}
	assert.Equal(t, []ReplicatedTable{{Schema: "sales", Table: "invoices", Key: []string{"invoice_id"},
		Columns: []Column{{Name: "invoice_id", Type: "bigint"}, {Name: "amount", Type: "decimal(10,2)"}}}},
		captured(Cdc{Include: []TableSelector{{Schema: "sales", Table: "invoices"}}}, tables))
}

// TestEnvironmentsKeepTheCapturedSourceTables: no environment declares tables of its own; each
// keeps those of config/sources/tables.json its capture selects.
func TestEnvironmentsKeepTheCapturedSourceTables(t *testing.T) {
	for _, e := range All() {
		var want []string
		for _, s := range SourceTables() {
			if e.Cdc.Captures(s.Schema, s.Table) {
				want = append(want, s.Schema+"."+s.Table)
			}
		}
		assert.NotEmpty(t, want, e.Name)
		assert.Equal(t, want, tableNames(e.Silver.Tables), e.Name)
	}
}

func tableNames(tables []ReplicatedTable) []string {
	var names []string
	for _, t := range tables {
		names = append(names, t.Name())
	}
	return names
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
