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
	// Tables are the replicated tables the CDC job keeps current, each with its primary key.
	// Each must be one DMS captures (cdc.include, not cdc.exclude); config/sources/orders.sql
	// declares the sample's.
	Tables []ReplicatedTable
	// APISources type the API ingestion DAG's sources (dags/api_sources.json names them; a test
	// compares the two): a record's columns and its natural key.
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
	// timestamp, ...). With the CDC job's own columns they declare the table's silver schema,
	// which Glue is given; a column bronze carries and this list lacks stops the CDC job until
	// it is declared here (docs/jobs.md).
	Columns []Column
}

// APISource is one API source in silver.
type APISource struct {
	// Name is the source's name in dags/api_sources.json (bronze: api/<name>/).
	Name string
	// Key is the natural key, of Columns and BronzeAPIDayColumn (the day the record was
	// ingested for): re-ingesting a record with the same key replaces it.
	Key []string
	// Columns type a record's fields; a record that doesn't fit goes to quarantine.
	Columns []Column
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
			tables[i] = tableIn{t, e.Cdc}
		}
		return tables
	}),
	each(apiSourceRules, func(e Environment) []APISource { return e.Silver.APISources }),
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

// tableIn is a replicated table and the capture that must select it.
type tableIn struct {
	ReplicatedTable
	cdc Cdc
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
	{Field: "silver.tables[].key", Allowed: "must name 1 to 32 distinct columns (lowercase letters, digits, _)", check: func(f field, t listed[tableIn]) {
		f.check(validColumns(t.value.Key), t.value.Key)
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
	{Field: "silver.tables[].columns", Allowed: "must not name a column the CDC job adds, in any case: cdc.timestampColumnName, " + BronzeCDCSequenceColumn + " or " + BronzeCDCOpColumn,
		check: func(f field, t listed[tableIn]) {
			added := []string{t.value.cdc.TimestampColumnName, BronzeCDCSequenceColumn, BronzeCDCOpColumn}
			for _, c := range t.value.Columns {
				if slices.ContainsFunc(added, func(a string) bool { return strings.EqualFold(a, c.Name) }) {
					f.checkf(false, c.Name, "is a column the CDC job adds (DMS's operation, commit time or change sequence): rename the source column or cdc.timestampColumnName")
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

var apiSourceRules = rules[listed[APISource]]{
	{Field: "silver.apiSources[].name", Allowed: "must be an API source name: 2-63 lowercase letters, digits or _, starting with a letter", check: func(f field, s listed[APISource]) {
		f.check(apiSourcePattern.MatchString(s.value.Name), s.value.Name)
	}},
	{Field: "silver.apiSources[].name", Allowed: "must be unique", check: func(f field, s listed[APISource]) {
		f.check(!slices.ContainsFunc(s.earlier, func(o APISource) bool { return o.Name == s.value.Name }), s.value.Name)
	}},
	{Field: "silver.apiSources[].columns", Allowed: "must list 1 to 200 columns", check: func(f field, s listed[APISource]) {
		f.check(len(s.value.Columns) >= 1 && len(s.value.Columns) <= 200, len(s.value.Columns))
	}},
	each(apiColumnRules, func(s listed[APISource]) []Column { return s.value.Columns }),
	{Field: "silver.apiSources[].key", Allowed: "must name 1 to 32 distinct columns of the source's columns or dt (the ingestion day)", check: func(f field, s listed[APISource]) {
		ok := validColumns(s.value.Key)
		for _, k := range s.value.Key {
			ok = ok && (k == BronzeAPIDayColumn || slices.ContainsFunc(s.value.Columns, func(c Column) bool { return c.Name == k && c.Type != mapType }))
		}
		f.check(ok, s.value.Key)
	}},
}

var apiColumnRules = rules[listed[Column]]{
	{Field: "silver.apiSources[].columns[].name", Allowed: "must be lowercase letters, digits or underscores, starting with a letter, unique in the source, and not dt, record or reason (the job adds them)",
		check: func(f field, c listed[Column]) {
			name := c.value.Name
			f.check(columnNamePattern.MatchString(name) && name != BronzeAPIDayColumn && !slices.Contains(JobColumns, name) &&
				!slices.ContainsFunc(c.earlier, func(o Column) bool { return o.Name == name }), name)
		}},
	{Field: "silver.apiSources[].columns[].type", Allowed: fmt.Sprintf("must be one of %v, %s or decimal(p,s) with p up to 38", ColumnTypes, mapType),
		check: func(f field, c listed[Column]) {
			t := c.value.Type
			f.check(slices.Contains(ColumnTypes, t) || t == mapType || decimalPattern.MatchString(t), t)
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
