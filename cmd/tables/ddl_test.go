package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dump is a schema as pg_dump --schema-only 17.6 writes it (with --no-owner): the \restrict
// and \unrestrict meta-commands, SET lines, comments, a sequence and a column default, tables
// (and the sequence) by name with their columns only, primary keys, a unique constraint and
// foreign keys added by ALTER TABLE ONLY, an index, a function and a trigger.
const dump = `--
-- PostgreSQL database dump
--

\restrict 3nGq9xv2Rk7TLpWcYbZ0aJ4mHs8dUfE1oNi6yQtKCrVwXzPe5BgSlAhDjF2uMc

-- Dumped from database version 17.6
-- Dumped by pg_dump version 17.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: touch(); Type: FUNCTION; Schema: sales; Owner: -
--

CREATE FUNCTION sales.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: sales; Owner: -
--

CREATE TABLE sales.audit_log (
    entry_id integer NOT NULL,
    message text
);


--
-- Name: audit_log_entry_id_seq; Type: SEQUENCE; Schema: sales; Owner: -
--

CREATE SEQUENCE sales.audit_log_entry_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_entry_id_seq; Type: SEQUENCE OWNED BY; Schema: sales; Owner: -
--

ALTER SEQUENCE sales.audit_log_entry_id_seq OWNED BY sales.audit_log.entry_id;


--
-- Name: invoice_lines; Type: TABLE; Schema: sales; Owner: -
--

CREATE TABLE sales.invoice_lines (
    invoice_id bigint NOT NULL,
    line integer NOT NULL,
    quantity real,
    weight double precision,
    booked_at timestamp without time zone
);


--
-- Name: invoices; Type: TABLE; Schema: sales; Owner: -
--

CREATE TABLE sales.invoices (
    invoice_id bigint NOT NULL,
    customer text NOT NULL,
    amount numeric(10,2) NOT NULL,
    currency character(3) NOT NULL,
    reference character varying(40),
    external_id uuid,
    details jsonb,
    issued_on date NOT NULL,
    updated_at timestamp(3) with time zone NOT NULL
);


--
-- Name: audit_log entry_id; Type: DEFAULT; Schema: sales; Owner: -
--

ALTER TABLE ONLY sales.audit_log ALTER COLUMN entry_id SET DEFAULT nextval('sales.audit_log_entry_id_seq'::regclass);


--
-- Name: invoice_lines invoice_lines_pkey; Type: CONSTRAINT; Schema: sales; Owner: -
--

ALTER TABLE ONLY sales.invoice_lines
    ADD CONSTRAINT invoice_lines_pkey PRIMARY KEY (invoice_id, line);


--
-- Name: invoices invoices_pkey; Type: CONSTRAINT; Schema: sales; Owner: -
--

ALTER TABLE ONLY sales.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (invoice_id);


--
-- Name: invoices invoices_reference_key; Type: CONSTRAINT; Schema: sales; Owner: -
--

ALTER TABLE ONLY sales.invoices
    ADD CONSTRAINT invoices_reference_key UNIQUE (reference);


--
-- Name: invoices_issued_on_idx; Type: INDEX; Schema: sales; Owner: -
--

CREATE INDEX invoices_issued_on_idx ON sales.invoices USING btree (issued_on);


--
-- Name: invoices invoices_touch; Type: TRIGGER; Schema: sales; Owner: -
--

CREATE TRIGGER invoices_touch BEFORE UPDATE ON sales.invoices FOR EACH ROW EXECUTE FUNCTION sales.touch();


--
-- Name: invoice_lines invoice_lines_invoice_id_fkey; Type: FK CONSTRAINT; Schema: sales; Owner: -
--

ALTER TABLE ONLY sales.invoice_lines
    ADD CONSTRAINT invoice_lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES sales.invoices(invoice_id);


--
-- PostgreSQL database dump complete
--

\unrestrict 3nGq9xv2Rk7TLpWcYbZ0aJ4mHs8dUfE1oNi6yQtKCrVwXzPe5BgSlAhDjF2uMc

`

func col(name, source, silver string) config.SourceColumn {
	return config.SourceColumn{Name: name, SourceType: source, Type: silver}
}

// TestPgDumpOutputIsReadAsItIs: every table of the dump, parents before the tables that
// reference them (the invoices before their lines, which pg_dump writes first), each with its
// columns typed as pg_dump spells them and as silver keeps them, and its primary key from ALTER
// TABLE ONLY (composite in key order; none for the audit log). Nothing else in the dump is a table.
func TestPgDumpOutputIsReadAsItIs(t *testing.T) {
	tables, err := parseDDL("dump.sql", dump)
	require.NoError(t, err)
	assert.Equal(t, []config.SourceTable{
		{Schema: "sales", Table: "audit_log", Key: []string{}, Columns: []config.SourceColumn{
			col("entry_id", "integer", "int"),
			col("message", "text", "string"),
		}},
		{Schema: "sales", Table: "invoices", Key: []string{"invoice_id"}, Columns: []config.SourceColumn{
			col("invoice_id", "bigint", "bigint"),
			col("customer", "text", "string"),
			col("amount", "numeric(10,2)", "decimal(10,2)"),
			col("currency", "character(3)", "string"),
			col("reference", "character varying(40)", "string"),
			col("external_id", "uuid", "string"),
			col("details", "jsonb", "string"),
			col("issued_on", "date", "date"),
			col("updated_at", "timestamp(3) with time zone", "timestamp"),
		}},
		{Schema: "sales", Table: "invoice_lines", Key: []string{"invoice_id", "line"}, Columns: []config.SourceColumn{
			col("invoice_id", "bigint", "bigint"),
			col("line", "integer", "int"),
			col("quantity", "real", "float"),
			col("weight", "double precision", "double"),
			col("booked_at", "timestamp without time zone", "timestamp"),
		}},
	}, tables)
}

// TestMetaCommandsMustBeStripped: PostgreSQL's grammar refuses the dump as pg_dump writes it,
// at \restrict, so the generator strips meta-commands before it parses.
func TestMetaCommandsMustBeStripped(t *testing.T) {
	_, err := pg.Parse(dump)
	require.ErrorContains(t, err, `syntax error at or near "\"`)
	_, err = pg.Parse(stripMetaCommands(dump))
	require.NoError(t, err)
	assert.Equal(t, strings.Count(dump, "\n"), strings.Count(stripMetaCommands(dump), "\n"), "lines keep their numbers")
	assert.Equal(t, "SET a = 1;\n\n  \n\nSELECT '\\x';", stripMetaCommands("SET a = 1;\n\\restrict k\n  \n  \\unrestrict k\nSELECT '\\x';"),
		"only the lines that begin with a backslash")
}

// TestKeysAsDDLDeclaresThem: a primary key inline on its column, as a table constraint, or
// added by ALTER TABLE [ONLY], with or without a constraint name; a table without one.
func TestKeysAsDDLDeclaresThem(t *testing.T) {
	for _, c := range []struct {
		name, sql string
		key       []string
	}{
		{"inline", `CREATE TABLE s.t (id bigint PRIMARY KEY, v text);`, []string{"id"}},
		{"inline, named", `CREATE TABLE s.t (id bigint CONSTRAINT t_pk PRIMARY KEY, v text);`, []string{"id"}},
		{"table constraint", `CREATE TABLE s.t (a bigint, b integer, v text, PRIMARY KEY (b, a));`, []string{"b", "a"}},
		{"alter table only", `CREATE TABLE s.t (a bigint, b integer, v text);
			ALTER TABLE ONLY s.t ADD CONSTRAINT t_pkey PRIMARY KEY (a, b);`, []string{"a", "b"}},
		{"alter table", `CREATE TABLE s.t (a bigint, v text); ALTER TABLE s.t ADD PRIMARY KEY (a);`, []string{"a"}},
		{"none", `CREATE TABLE s.t (a bigint, v text); ALTER TABLE ONLY s.t ADD CONSTRAINT t_v_key UNIQUE (v);`, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tables, err := parseDDL("k.sql", c.sql)
			require.NoError(t, err)
			require.Len(t, tables, 1)
			assert.Equal(t, c.key, tables[0].Key)
		})
	}
}

// orderCases are DDL and the order tables.json lists its tables in: parents before the
// tables whose foreign keys reference them, ties by schema.table name. In each, the order the
// DDL creates the tables in is not the answer.
var orderCases = []struct {
	name, sql string
	want      []string
}{
	{"pg_dump's name order, parents first", `
		CREATE TABLE public.customers (customer_id bigint NOT NULL);
		CREATE TABLE public.order_items (order_id bigint NOT NULL, line_number integer NOT NULL);
		CREATE TABLE public.orders (order_id bigint NOT NULL, customer_id bigint NOT NULL);
		ALTER TABLE ONLY public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (customer_id);
		ALTER TABLE ONLY public.order_items ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, line_number);
		ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (order_id);
		ALTER TABLE ONLY public.order_items
		    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);
		ALTER TABLE ONLY public.orders
		    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(customer_id);`,
		[]string{"public.customers", "public.orders", "public.order_items"}},
	{"a chain of three", `
		CREATE TABLE s.a (id bigint, b_id bigint);
		CREATE TABLE s.b (id bigint, c_id bigint);
		CREATE TABLE s.c (id bigint);
		ALTER TABLE ONLY s.a ADD CONSTRAINT a_b_id_fkey FOREIGN KEY (b_id) REFERENCES s.b(id);
		ALTER TABLE ONLY s.b ADD CONSTRAINT b_c_id_fkey FOREIGN KEY (c_id) REFERENCES s.c(id);`,
		[]string{"s.c", "s.b", "s.a"}},
	{"independent tables by schema, then name", `
		CREATE TABLE sales.b (id bigint);
		CREATE TABLE sales.a (id bigint);
		CREATE TABLE audit.z (id bigint);`,
		[]string{"audit.z", "sales.a", "sales.b"}},
	{"a self-reference does not hold its table back", `
		CREATE TABLE s.desks (id bigint, employee_id bigint);
		CREATE TABLE s.employees (id bigint, manager_id bigint);
		ALTER TABLE ONLY s.desks ADD CONSTRAINT desks_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES s.employees(id);
		ALTER TABLE ONLY s.employees ADD CONSTRAINT employees_manager_id_fkey FOREIGN KEY (manager_id) REFERENCES s.employees(id);`,
		[]string{"s.employees", "s.desks"}},
	// c_one and d_two reference each other: the cycle is broken at c_one, its first table by
	// name, not at b_child, the first by name of the tables left, which only waits for c_one.
	{"a cycle of two, broken at its first table by name", `
		CREATE TABLE s.b_child (id bigint, one_id bigint);
		CREATE TABLE s.c_one (id bigint, two_id bigint);
		CREATE TABLE s.d_two (id bigint, one_id bigint);
		ALTER TABLE ONLY s.b_child ADD CONSTRAINT b_child_one_id_fkey FOREIGN KEY (one_id) REFERENCES s.c_one(id);
		ALTER TABLE ONLY s.c_one ADD CONSTRAINT c_one_two_id_fkey FOREIGN KEY (two_id) REFERENCES s.d_two(id) DEFERRABLE INITIALLY DEFERRED;
		ALTER TABLE ONLY s.d_two ADD CONSTRAINT d_two_one_id_fkey FOREIGN KEY (one_id) REFERENCES s.c_one(id) DEFERRABLE INITIALLY DEFERRED;`,
		[]string{"s.c_one", "s.b_child", "s.d_two"}},
	{"a reference to a table outside the dump is ignored", `
		CREATE TABLE s.a (id bigint, b_id bigint REFERENCES s.b(id));
		CREATE TABLE s.b (id bigint, x_id bigint REFERENCES other.x(id));`,
		[]string{"s.b", "s.a"}},
	// The three ways DDL declares a foreign key; z_other, which nothing references, is created
	// first and placed last by name.
	{"inline REFERENCES", `
		CREATE TABLE s.z_other (id bigint);
		CREATE TABLE s.b_parent (id bigint PRIMARY KEY);
		CREATE TABLE s.a_child (id bigint, parent_id bigint REFERENCES s.b_parent(id));`,
		[]string{"s.b_parent", "s.a_child", "s.z_other"}},
	{"table constraint", `
		CREATE TABLE s.z_other (id bigint);
		CREATE TABLE s.b_parent (id bigint PRIMARY KEY);
		CREATE TABLE s.a_child (id bigint, parent_id bigint, CONSTRAINT a_fk FOREIGN KEY (parent_id) REFERENCES s.b_parent(id));`,
		[]string{"s.b_parent", "s.a_child", "s.z_other"}},
	{"ALTER TABLE without ONLY", `
		CREATE TABLE s.z_other (id bigint);
		CREATE TABLE s.b_parent (id bigint PRIMARY KEY);
		CREATE TABLE s.a_child (id bigint, parent_id bigint);
		ALTER TABLE s.a_child ADD FOREIGN KEY (parent_id) REFERENCES s.b_parent(id);`,
		[]string{"s.b_parent", "s.a_child", "s.z_other"}},
}

// names are the tables' schema.table names, in order.
func names(tables []config.SourceTable) []string {
	var out []string
	for _, t := range tables {
		out = append(out, t.Schema+"."+t.Table)
	}
	return out
}

// TestTablesComeAfterTheTablesTheyReference: parents first, by name among equals, whatever
// order the DDL creates them in.
func TestTablesComeAfterTheTablesTheyReference(t *testing.T) {
	for _, c := range orderCases {
		t.Run(c.name, func(t *testing.T) {
			tables, err := parseDDL("o.sql", c.sql)
			require.NoError(t, err)
			assert.Equal(t, c.want, names(tables))
		})
	}
}

// TestOrderIgnoresTheDumpsOrder: the order is a function of the tables and their foreign keys
// only, so a dump that lists the same tables in any other order (a rename, a new table) gives
// the same tables.json.
func TestOrderIgnoresTheDumpsOrder(t *testing.T) {
	for _, c := range orderCases {
		t.Run(c.name, func(t *testing.T) {
			d, err := read("o.sql", c.sql)
			require.NoError(t, err)
			for _, p := range permutations(d.tables) {
				assert.Equal(t, c.want, names(parentsFirst(p, d.refs)), "created in the order %v", names(p))
			}
		})
	}
}

// permutations are every order of tables.
func permutations(tables []config.SourceTable) [][]config.SourceTable {
	if len(tables) <= 1 {
		return [][]config.SourceTable{slices.Clone(tables)}
	}
	var all [][]config.SourceTable
	for i := range tables {
		rest := slices.Concat(tables[:i], tables[i+1:])
		for _, p := range permutations(rest) {
			all = append(all, append([]config.SourceTable{tables[i]}, p...))
		}
	}
	return all
}

// TestTypesAsPgDumpSpellsThem: a type written any way PostgreSQL takes is recorded as pg_dump
// (format_type) spells it.
func TestTypesAsPgDumpSpellsThem(t *testing.T) {
	for written, want := range map[string][2]string{
		"int8":            {"bigint", "bigint"},
		"int":             {"integer", "int"},
		"int4":            {"integer", "int"},
		"float4":          {"real", "float"},
		"float8":          {"double precision", "double"},
		"float":           {"double precision", "double"},
		"decimal(5,2)":    {"numeric(5,2)", "decimal(5,2)"},
		"numeric(7)":      {"numeric(7,0)", "decimal(7,0)"},
		"numeric(38,38)":  {"numeric(38,38)", "decimal(38,38)"},
		"char":            {"character(1)", "string"},
		"char(2)":         {"character(2)", "string"},
		"varchar(9)":      {"character varying(9)", "string"},
		"pg_catalog.text": {"text", "string"},
		"json":            {"json", "string"},
		"timestamptz":     {"timestamp with time zone", "timestamp"},
		"timestamp":       {"timestamp without time zone", "timestamp"},
		"timestamp(6)":    {"timestamp(6) without time zone", "timestamp"},
	} {
		t.Run(written, func(t *testing.T) {
			tables, err := parseDDL("t.sql", "CREATE TABLE s.t (c "+written+");")
			require.NoError(t, err)
			assert.Equal(t, []config.SourceColumn{col("c", want[0], want[1])}, tables[0].Columns)
		})
	}
}

// TestBadDDLIsOneClearError: each names the file, the table, the column where there is one,
// the value, and what is allowed.
func TestBadDDLIsOneClearError(t *testing.T) {
	allowed := "must be one of bigint, integer, real, double precision, numeric(p,s) with p up to 38, character(n), character varying(n), " +
		"text, uuid, json, jsonb, date, timestamp without time zone, timestamp with time zone: the PostgreSQL types whose Parquet type from DMS silver reads"
	named := "must be 1-63 lowercase letters, digits or _, starting with a letter (a name PostgreSQL folds to itself unquoted, as silver's names do): " +
		"rename it in the source database, or leave the table out of the dump (pg_dump -T)"
	for _, c := range []struct{ name, sql, want string }{
		{"unsupported type", "CREATE TABLE s.t (id bigint, payload bytea);",
			`d.sql: table s.t: column payload type "bytea": ` + allowed},
		{"boolean", "CREATE TABLE s.t (id bigint, done boolean);", `d.sql: table s.t: column done type "boolean": ` + allowed},
		{"smallint", "CREATE TABLE s.t (id smallint);", `d.sql: table s.t: column id type "smallint": ` + allowed},
		{"array", "CREATE TABLE s.t (id bigint, tags text[]);", `d.sql: table s.t: column tags type "text[]": ` + allowed},
		{"enum", "CREATE TABLE s.t (id bigint, mood public.mood);", `d.sql: table s.t: column mood type "public.mood": ` + allowed},
		{"numeric too wide", "CREATE TABLE s.t (n numeric(39,2));", `d.sql: table s.t: column n type "numeric(39,2)": needs a precision from 1 to 38 ` +
			`and a scale from 0 to the precision, numeric(p,s): DMS writes a wider or unconstrained numeric as something other than a Parquet DECIMAL`},
		{"numeric unconstrained", "CREATE TABLE s.t (n numeric);", `d.sql: table s.t: column n type "numeric": needs a precision from 1 to 38 ` +
			`and a scale from 0 to the precision, numeric(p,s): DMS writes a wider or unconstrained numeric as something other than a Parquet DECIMAL`},
		{"varchar without length", "CREATE TABLE s.t (v varchar);",
			`d.sql: table s.t: column v type "character varying": needs a length, character varying(n): DMS documents CHARACTER VARYING(N) only`},
		{"quoted mixed-case table", `CREATE TABLE public."Orders" (id bigint);`, `d.sql: table public.Orders: name "Orders": ` + named},
		{"quoted mixed-case column", `CREATE TABLE public.orders ("orderId" bigint);`, `d.sql: table public.orders: column "orderId": ` + named},
		{"quoted name with a space", `CREATE TABLE "my schema".orders (id bigint);`, `d.sql: table my schema.orders: name "my schema": ` + named},
		{"unqualified table", "CREATE TABLE orders (id bigint);",
			`d.sql: table orders: must be schema-qualified, as pg_dump writes it (public.orders): DMS selects tables by schema`},
		{"key not a column", "CREATE TABLE s.t (id bigint); ALTER TABLE ONLY s.t ADD CONSTRAINT t_pkey PRIMARY KEY (uid);",
			`d.sql: table s.t: primary key column "uid": must be a column of the table`},
		{"two keys", "CREATE TABLE s.t (id bigint PRIMARY KEY); ALTER TABLE ONLY s.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);",
			`d.sql: table s.t: has two primary keys`},
		{"key of a table not created", "ALTER TABLE ONLY s.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);",
			`d.sql: table s.t: ALTER TABLE adds a primary key to a table the file does not create before it`},
		{"table twice", "CREATE TABLE s.t (id bigint); CREATE TABLE s.t (id bigint);", `d.sql: table s.t: is created twice`},
		{"columns altered", "CREATE TABLE s.t (id bigint); ALTER TABLE s.t ADD COLUMN v text;",
			`d.sql: table s.t: ALTER TABLE changes its columns: give the table as it is now (pg_dump --schema-only writes every column in CREATE TABLE)`},
		{"partitioned", "CREATE TABLE s.t (id bigint) PARTITION BY RANGE (id);",
			`d.sql: table s.t: is partitioned, a partition, inherits or is typed: its columns are not all in its CREATE TABLE, ` +
				`and DMS does not replicate partitioned tables: leave it out of the dump (pg_dump -T)`},
		{"syntax", "SET a = 0;\n\nCREATE TABLE s.t (id bigint,);\n", `d.sql:3: syntax error at or near ")": PostgreSQL's grammar does not read it`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseDDL("d.sql", c.sql)
			require.Error(t, err)
			assert.Equal(t, c.want, err.Error())
		})
	}
}

// TestTheSampleDumpIsAccepted: config/sources/database.sql, pg_dump's output as it is, gives
// the committed config/sources/tables.json byte for byte.
func TestTheSampleDumpIsAccepted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tables.json")
	t.Chdir(filepath.Join("..", "..")) // the file name tables.json records is the repository's
	require.NoError(t, generate(config.SourceDDL, out))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := os.ReadFile(config.SourceTablesFile)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run make generate")
}

// TestTablesJSONFormat: the format config and the jobs read, indented one space: a table
// without a key has "key": [], and "types" lists the whole mapping in pgTypes' order.
func TestTablesJSONFormat(t *testing.T) {
	data, err := render("d.sql", []config.SourceTable{{Schema: "s", Table: "t", Key: []string{}, Columns: []config.SourceColumn{col("c", "text", "string")}}})
	require.NoError(t, err)
	assert.Equal(t, `{
 "generated": "by make generate (go run ./cmd/tables) from d.sql: do not edit",
 "tables": [
  {
   "schema": "s",
   "table": "t",
   "key": [],
   "columns": [
    {
     "name": "c",
     "sourceType": "text",
     "type": "string"
    }
   ]
  }
 ],
 "types": {
  "bigint": "bigint",
  "integer": "int",
  "real": "float",
  "double precision": "double",
  "numeric": "decimal",
  "character": "string",
  "character varying": "string",
  "text": "string",
  "uuid": "string",
  "json": "string",
  "jsonb": "string",
  "date": "date",
  "timestamp without time zone": "timestamp",
  "timestamp with time zone": "timestamp"
 }
}
`, string(data))
}
