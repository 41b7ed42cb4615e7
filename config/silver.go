package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Silver is what the batch jobs make of bronze: one Delta table per replicated table and per
// API source, each keyed, in the silver bucket and the <env>_silver database.
type Silver struct {
	// Tables are the replicated tables the CDC job keeps current, each keyed by its primary
	// key: the tables of config/sources/database.sql (the source database's schema as pg_dump
	// --schema-only writes it, which make generate reads into config/sources/tables.json) that
	// cdc captures, parents before the tables whose foreign keys reference them. Not set per
	// environment: cdc.include and cdc.exclude choose them. A captured table without a primary
	// key is refused.
	Tables []ReplicatedTable
	// APISources are the API sources of config/sources/api.yaml, declared once for every
	// environment: what the API ingestion DAG pulls (dags/api_sources.json, generated from
	// them), a record's columns and its natural key.
	APISources []APISource `config:"apiSources"`
	// RetentionDays is how far back "as of" queries reach: VACUUM keeps removed files and Delta
	// keeps its log this long. Delta refuses less than 7 days unless told otherwise.
	RetentionDays int
}

// ReplicatedTable is one table of the source database in silver.
type ReplicatedTable struct {
	// Schema and Table name the source table (bronze: rds/<schema>/<table>/).
	Schema string
	Table  string
	// Key is the primary key's columns: the CDC merge matches on them.
	Key []string
	// Columns are the source table's columns in order, each with the Hive type silver keeps
	// it as: DMS's Parquet type as Spark reads it (bigint, int, string, decimal(p,s),
	// timestamp, ...), mapped from its PostgreSQL type by make generate. With the CDC job's own
	// columns they declare the table's silver schema, which Glue is given; a column bronze
	// carries and this list lacks stops the CDC job until config/sources/database.sql has it
	// and make generate has run (docs/jobs.md).
	Columns []Column
}

// APISource is one API source of config/sources/api.yaml: what the DAG pulls, and how silver
// types it.
type APISource struct {
	// Name is the source's name, unique among the declared sources (bronze: api/<name>/).
	Name string `yaml:"name"`
	// URL is the https endpoint the DAG GETs once a day.
	URL string `yaml:"url"`
	// Params are the query parameters of every request, as text.
	Params map[string]string `yaml:"params"`
	// Records is the key of the response's JSON object that holds the records; "" when the
	// body is the records.
	Records string `yaml:"records"`
	// Pagination is how the DAG asks for the next page; none by default.
	Pagination Pagination `yaml:"pagination"`
	// Key is the natural key, of Columns and BronzeAPIDayColumn (the day the record was
	// ingested for): re-ingesting a record with the same key replaces it.
	Key []string `yaml:"key"`
	// Columns type a record's fields; a record that doesn't fit goes to quarantine.
	Columns []Column `yaml:"columns"`
}

// Pagination is how the API ingestion DAG pulls the pages of a source after the first.
type Pagination struct {
	// Type is PaginationNone (one request) or PaginationHeaderCursor: each response's Header
	// carries the cursor of the next page, sent back as the query parameter Param.
	Type string `yaml:"type"`
	// Header is the response header that carries the next page's cursor.
	Header string `yaml:"header"`
	// Param is the query parameter that sends the cursor back.
	Param string `yaml:"param"`
	// MaxPages is the most pages one run pulls, 1 to MaxPages.
	MaxPages int `yaml:"maxPages"`
}

// An API source's column may have a type of ColumnTypes, map<string,string>, or decimal(p,s)
// with p up to 38: types Spark, Delta and Athena share.
const mapType = "map<string,string>"

var decimalPattern = regexp.MustCompile(`^decimal\(([1-9]|[12][0-9]|3[0-8]),([0-9]|[12][0-9]|3[0-8])\)$`)

// MinRetentionDays is Delta's own floor for VACUUM (retentionDurationCheck: 168 hours).
const MinRetentionDays = 7

var silverRules = rules[Environment]{
	{Field: "silver.tables", Allowed: "must name at least one replicated table: the CDC job merges them", check: func(f field, e Environment) {
		f.check(len(e.Silver.Tables) > 0, len(e.Silver.Tables))
	}},
	each(replicatedTableRules, func(e Environment) []tableIn {
		tables := make([]tableIn, len(e.Silver.Tables))
		for i, t := range e.Silver.Tables {
			tables[i] = tableIn{t, e.Cdc, e.ReservedColumns()}
		}
		return tables
	}),
	{Field: "silver.tables", Allowed: "must give every silver table its own name: a table named <t>_history clashes with <t>'s history, and " +
		SilverWatermarks().Name + " and " + SilverTablesCreated().Name + " are the batch job's", check: func(f field, e Environment) {
		// Repeated tables and sources have rules of their own: only distinct ones may clash.
		owner := map[string]string{SilverWatermarks().Name: "batch job", SilverTablesCreated().Name: "batch job"}
		claim := func(t SilverTable, by string) bool {
			if o, taken := owner[t.Name]; taken && o != by {
				return f.checkf(false, t.Name, "gives two silver tables the name %s: rename one in the source or leave one out", t.Name)
			}
			owner[t.Name] = by
			return true
		}
		for _, t := range e.Silver.Tables {
			if !claim(t.Current(), t.Name()) || !claim(t.History(), t.Name()) {
				return
			}
		}
		for _, a := range e.Silver.APISources {
			if !claim(a.Current(), "api "+a.Name) || !claim(a.Quarantine(), "api "+a.Name) {
				return
			}
		}
		for _, s := range e.SpeedStreams() {
			if !claim(s.Events(), "stream "+s.Name) || !claim(s.Late(), "stream "+s.Name) || !claim(s.Quarantine(), "stream "+s.Name) {
				return
			}
		}
	}},
	{Field: "silver.retentionDays", Allowed: fmt.Sprintf("must be from %d to 3650", MinRetentionDays), check: func(f field, e Environment) {
		f.check(e.Silver.RetentionDays >= MinRetentionDays && e.Silver.RetentionDays <= 3650, e.Silver.RetentionDays)
	}},
}

// tableIn is a replicated table, the capture that must select it, and the columns the jobs
// add (Environment.ReservedColumns).
type tableIn struct {
	ReplicatedTable
	cdc      Cdc
	reserved []string
}

var replicatedTableRules = rules[listed[tableIn]]{
	// Lowercase, as PostgreSQL folds unquoted names: the Glue table names derive from them.
	{Field: "silver.tables[].schema", Allowed: "must be a lowercase PostgreSQL name: 1-63 lowercase letters, digits or _, starting with a letter", stop: true, check: func(f field, t listed[tableIn]) {
		f.check(pgNamePattern.MatchString(t.value.Schema), t.value.Schema)
	}},
	{Field: "silver.tables[].table", Allowed: "must be a lowercase PostgreSQL name: 1-63 lowercase letters, digits or _, starting with a letter (no wildcard)", stop: true, check: func(f field, t listed[tableIn]) {
		f.check(pgNamePattern.MatchString(t.value.Table), t.value.Table)
	}},
	{Field: "silver.tables[]", Allowed: "must not repeat another table", check: func(f field, t listed[tableIn]) {
		f.check(!slices.ContainsFunc(t.earlier, func(o tableIn) bool { return o.Schema == t.value.Schema && o.Table == t.value.Table }), t.value.Name())
	}},
	// Only against a selection that is itself valid: cdc.include's own rules report the rest.
	only(func(t listed[tableIn]) bool { return t.value.cdc.validSelection() }, rules[listed[tableIn]]{
		{Field: "silver.tables[]", Allowed: "must be a table DMS captures: selected by cdc.include and not by cdc.exclude", check: func(f field, t listed[tableIn]) {
			f.checkf(t.value.cdc.Captures(t.value.Schema, t.value.Table), t.value.Name(),
				"is not captured by DMS: add it to cdc.include (or remove it from cdc.exclude), or drop it here")
		}},
	}),
	// DMS finds a changed or deleted row by its primary key (PostgreSQL's default replica
	// identity), and the CDC merge matches on it: a captured table needs one.
	{Field: "silver.tables[].key", Allowed: "must be the table's primary key in " + SourceDDL + ": DMS cannot replicate the updates and deletes of a table without one; " +
		"add a primary key, or leave the table out with cdc.exclude", check: func(f field, t listed[tableIn]) {
		f.checkf(len(t.value.Key) > 0, t.value.Key, "%s has no primary key in %s: DMS cannot replicate its updates and deletes without one; "+
			"add a primary key, or leave the table out with cdc.exclude", t.value.Name(), SourceDDL)
	}},
	{Field: "silver.tables[].key", Allowed: "must name 1 to 32 distinct columns (lowercase letters, digits, _)", check: func(f field, t listed[tableIn]) {
		f.check(len(t.value.Key) == 0 || validColumns(t.value.Key), t.value.Key)
	}},
	{Field: "silver.tables[].columns", Allowed: "must list 1 to 1600 columns (PostgreSQL's most), every key column among them", check: func(f field, t listed[tableIn]) {
		cols := t.value.Columns
		ok := len(cols) >= 1 && len(cols) <= 1600
		for _, k := range t.value.Key {
			ok = ok && slices.ContainsFunc(cols, func(c Column) bool { return c.Name == k })
		}
		f.check(ok, len(cols))
	}},
	// Compared without case: Spark, Athena and Glue fold names, so a source column "op" and
	// the history's "Op" would be one column twice.
	{Field: "silver.tables[].columns", Allowed: "must not name, in any case, a column the jobs add (Environment.ReservedColumns: DMS's operation, commit time and change sequence, the jobs' own)",
		check: func(f field, t listed[tableIn]) {
			for _, c := range t.value.Columns {
				if slices.ContainsFunc(t.value.reserved, func(a string) bool { return strings.EqualFold(a, c.Name) }) {
					f.checkf(false, c.Name, "is, compared without case, a column the jobs add (%s): rename the source column, or cdc.timestampColumnName if it is that one", strings.Join(t.value.reserved, ", "))
					return
				}
			}
		}},
	each(replicatedColumnRules, func(t listed[tableIn]) []Column { return t.value.Columns }),
}

var replicatedColumnRules = rules[listed[Column]]{
	{Field: "silver.tables[].columns[].name", Allowed: "must be lowercase letters, digits or underscores, starting with a letter (as PostgreSQL folds unquoted names), and unique in the table",
		check: func(f field, c listed[Column]) {
			name := c.value.Name
			f.check(columnNamePattern.MatchString(name) && !slices.ContainsFunc(c.earlier, func(o Column) bool { return o.Name == name }), name)
		}},
	{Field: "silver.tables[].columns[].type", Allowed: fmt.Sprintf("must be one of %v or decimal(p,s) with p up to 38: the Hive type of DMS's Parquet column", ColumnTypes),
		check: func(f field, c listed[Column]) {
			f.check(slices.Contains(ColumnTypes, c.value.Type) || decimalPattern.MatchString(c.value.Type), c.value.Type)
		}},
}

var apiSourcePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)

// validColumns: 1 to 32 distinct column names.
func validColumns(names []string) bool {
	if len(names) == 0 || len(names) > 32 {
		return false
	}
	for i, n := range names {
		if !columnNamePattern.MatchString(n) || slices.Contains(names[:i], n) {
			return false
		}
	}
	return true
}

// Name is the table's schema-qualified name, schema.table.
func (t ReplicatedTable) Name() string { return t.Schema + "." + t.Table }

// Captures reports whether DMS replicates schema.table: an include selects it and no exclude
// (nor DMS's own artefact tables) removes it. % matches any run of characters, as in DMS.
func (c Cdc) Captures(schema, table string) bool {
	matches := func(sels []TableSelector) bool {
		return slices.ContainsFunc(sels, func(s TableSelector) bool { return s.Schema == schema && like(s.Table, table) })
	}
	return matches(c.Include) && !matches(c.Exclude) && !like(DMSArtifactTables, table)
}

// validSelection: cdc.include selects something and names its schemas exactly.
func (c Cdc) validSelection() bool {
	return len(c.Include) > 0 && !slices.ContainsFunc(c.Include, func(s TableSelector) bool { return !schemaPattern.MatchString(s.Schema) })
}

// like matches name against a DMS pattern where % stands for any run of characters.
func like(pattern, name string) bool {
	parts := strings.Split(pattern, "%")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}
