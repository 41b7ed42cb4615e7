package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"dataplatform/config"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"
)

// stripMetaCommands blanks the lines that are psql's meta-commands (the first non-blank
// character a backslash), which pg_dump writes since 17.6, 16.10, 15.14 and 14.19 (\restrict
// <key> at the top, \unrestrict <key> at the end): psql runs them, no SQL grammar reads them.
// Blank lines keep the others' numbers for the parser's errors.
func stripMetaCommands(sql string) string {
	lines := strings.Split(sql, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), `\`) {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// namePattern: lowercase as PostgreSQL folds unquoted names. Silver's names (Glue, Spark,
// Athena) are these, and pg_dump quotes any other name, so "Orders" and orders would be two
// tables in PostgreSQL and one in silver.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

const nameAllowed = "must be 1-63 lowercase letters, digits or _, starting with a letter (a name PostgreSQL folds to itself " +
	"unquoted, as silver's names do): rename it in the source database, or leave the table out of the dump (pg_dump -T)"

// ddl reads one file of DDL into its tables; file names it in errors.
type ddl struct {
	file   string
	tables []config.SourceTable
	// keyed records which tables had their primary key declared, so a second one is an error.
	keyed map[string]bool
	// refs are the foreign keys, which order the tables (parentsFirst).
	refs []reference
}

// parseDDL is every table that file's DDL creates, each with its columns and primary key,
// parents before the tables whose foreign keys reference them (parentsFirst says why): from
// pg_dump --schema-only's output as it is, or any DDL PostgreSQL's grammar takes. SET lines,
// comments, sequences, indexes and every other statement are ignored.
func parseDDL(file, sql string) ([]config.SourceTable, error) {
	d, err := read(file, sql)
	if err != nil {
		return nil, err
	}
	return parentsFirst(d.tables, d.refs), nil
}

// read is file's DDL read: its tables in the order it creates them, and its foreign keys.
func read(file, sql string) (*ddl, error) {
	tree, err := pg.Parse(stripMetaCommands(sql))
	if err != nil {
		return nil, parseError(file, sql, err)
	}
	d := &ddl{file: file, keyed: map[string]bool{}}
	for _, raw := range tree.Stmts {
		switch {
		case raw.Stmt.GetCreateStmt() != nil:
			err = d.create(raw.Stmt.GetCreateStmt())
		case raw.Stmt.GetAlterTableStmt() != nil:
			err = d.alter(raw.Stmt.GetAlterTableStmt())
		}
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// parseError names the line the parser stopped at.
func parseError(file, sql string, err error) error {
	var pe *parser.Error
	if errors.As(err, &pe) && pe.Cursorpos > 0 && pe.Cursorpos <= len(sql)+1 {
		line := 1 + strings.Count(sql[:pe.Cursorpos-1], "\n")
		return fmt.Errorf("%s:%d: %s: PostgreSQL's grammar does not read it", file, line, pe.Message)
	}
	return fmt.Errorf("%s: %v: PostgreSQL's grammar does not read it", file, err)
}

// errorf is one error about table, in the form config's declaration errors take.
func (d *ddl) errorf(table, format string, args ...any) error {
	return fmt.Errorf("%s: table %s: %s", d.file, table, fmt.Sprintf(format, args...))
}

// qualified is a table's schema.table, as the DDL must name it.
func (d *ddl) qualified(r *pg.RangeVar) (schema, table string, err error) {
	name := r.Relname
	if r.Schemaname != "" {
		name = r.Schemaname + "." + name
	}
	if r.Schemaname == "" {
		return "", "", d.errorf(name, "must be schema-qualified, as pg_dump writes it (public.%s): DMS selects tables by schema", name)
	}
	for _, n := range []string{r.Schemaname, r.Relname} {
		if !namePattern.MatchString(n) {
			return "", "", d.errorf(name, "name %q: %s", n, nameAllowed)
		}
	}
	return r.Schemaname, r.Relname, nil
}

// create adds the table a CREATE TABLE statement makes.
func (d *ddl) create(s *pg.CreateStmt) error {
	schema, name, err := d.qualified(s.Relation)
	if err != nil {
		return err
	}
	full := schema + "." + name
	if s.Partspec != nil || s.Partbound != nil || len(s.InhRelations) > 0 || s.OfTypename != nil {
		return d.errorf(full, "is partitioned, a partition, inherits or is typed: its columns are not all in its CREATE TABLE, "+
			"and DMS does not replicate partitioned tables: leave it out of the dump (pg_dump -T)")
	}
	if d.find(schema, name) >= 0 {
		return d.errorf(full, "is created twice")
	}
	t := config.SourceTable{Schema: schema, Table: name, Key: []string{}}
	var keys [][]string
	for _, elt := range s.TableElts {
		switch {
		case elt.GetColumnDef() != nil:
			c, key, err := d.column(full, elt.GetColumnDef())
			if err != nil {
				return err
			}
			t.Columns = append(t.Columns, c)
			if key {
				keys = append(keys, []string{c.Name})
			}
			for _, n := range elt.GetColumnDef().Constraints {
				d.addReference(nameOf(t), n.GetConstraint())
			}
		case elt.GetConstraint() != nil:
			if k := primaryKey(elt.GetConstraint()); k != nil {
				keys = append(keys, k)
			}
			d.addReference(nameOf(t), elt.GetConstraint())
		default:
			return d.errorf(full, "has an element other than columns and constraints (LIKE): declare its columns, as pg_dump does")
		}
	}
	d.tables = append(d.tables, t)
	for _, k := range keys {
		if err := d.setKey(len(d.tables)-1, k); err != nil {
			return err
		}
	}
	return nil
}

// column is one column of a CREATE TABLE, and whether it is declared PRIMARY KEY itself.
func (d *ddl) column(table string, c *pg.ColumnDef) (config.SourceColumn, bool, error) {
	if !namePattern.MatchString(c.Colname) {
		return config.SourceColumn{}, false, d.errorf(table, "column %q: %s", c.Colname, nameAllowed)
	}
	source, silver, err := columnType(c.TypeName)
	if err != nil {
		return config.SourceColumn{}, false, d.errorf(table, "column %s type %s", c.Colname, err)
	}
	key := slices.ContainsFunc(c.Constraints, func(n *pg.Node) bool {
		return n.GetConstraint().GetContype() == pg.ConstrType_CONSTR_PRIMARY
	})
	return config.SourceColumn{Name: c.Colname, SourceType: source, Type: silver}, key, nil
}

// columnType is a column's type as pg_dump spells it and the silver type it maps to; the
// error quotes the type and says what is supported.
func columnType(tn *pg.TypeName) (source, silver string, err error) {
	var names []string
	for _, n := range tn.Names {
		names = append(names, n.GetString_().GetSval())
	}
	// The grammar qualifies the SQL standard's names (bigint is pg_catalog.int8); a type
	// written as int8 is the same type, unqualified.
	if len(names) == 2 && names[0] == "pg_catalog" {
		names = names[1:]
	}
	var mods []int32
	for _, m := range tn.Typmods {
		mods = append(mods, m.GetAConst().GetIval().GetIval())
	}
	t, ok := lookup(strings.Join(names, "."))
	if ok && len(tn.ArrayBounds) == 0 && !tn.Setof && !tn.PctType {
		if source, silver, err = t.spell(mods); err == nil {
			return source, silver, nil
		}
		return "", "", fmt.Errorf("%q: %v", spelling(names, mods, tn), err)
	}
	return "", "", fmt.Errorf("%q: must be one of %s: the PostgreSQL types whose Parquet type from DMS silver reads",
		spelling(names, mods, tn), supported())
}

// spelling is a type as the DDL wrote it, near enough to find it there.
func spelling(names []string, mods []int32, tn *pg.TypeName) string {
	s := strings.Join(names, ".")
	if t, ok := lookup(s); ok {
		s = t.name
	} else if sql, ok := map[string]string{"bool": "boolean", "int2": "smallint", "time": "time without time zone", "timetz": "time with time zone"}[s]; ok {
		s = sql
	}
	if len(mods) > 0 {
		numbers := make([]string, len(mods))
		for i, m := range mods {
			numbers[i] = fmt.Sprint(m)
		}
		s += "(" + strings.Join(numbers, ",") + ")"
	}
	return s + strings.Repeat("[]", len(tn.ArrayBounds))
}

// primaryKey is a PRIMARY KEY constraint's columns, or nil for any other constraint.
func primaryKey(c *pg.Constraint) []string {
	if c.Contype != pg.ConstrType_CONSTR_PRIMARY {
		return nil
	}
	key := []string{}
	for _, k := range c.Keys {
		key = append(key, k.GetString_().GetSval())
	}
	return key
}

// alter applies an ALTER TABLE: ADD CONSTRAINT ... PRIMARY KEY sets the table's key and
// ... FOREIGN KEY adds a reference (pg_dump writes both so); a change of columns is refused,
// because the columns come from CREATE TABLE.
func (d *ddl) alter(s *pg.AlterTableStmt) error {
	if s.Objtype != pg.ObjectType_OBJECT_TABLE {
		return nil // ALTER INDEX, ALTER SEQUENCE ... take the same statement
	}
	for _, n := range s.Cmds {
		cmd := n.GetAlterTableCmd()
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_AddColumn, pg.AlterTableType_AT_DropColumn, pg.AlterTableType_AT_AlterColumnType:
			return d.errorf(s.Relation.Schemaname+"."+s.Relation.Relname, "ALTER TABLE changes its columns: give the table as it is now "+
				"(pg_dump --schema-only writes every column in CREATE TABLE)")
		case pg.AlterTableType_AT_AddConstraint:
			d.addReference(tableName{s.Relation.Schemaname, s.Relation.Relname}, cmd.GetDef().GetConstraint())
			key := primaryKey(cmd.GetDef().GetConstraint())
			if key == nil {
				continue // foreign keys (recorded above), unique and check constraints: no key
			}
			schema, name, err := d.qualified(s.Relation)
			if err != nil {
				return err
			}
			i := d.find(schema, name)
			if i < 0 {
				return d.errorf(schema+"."+name, "ALTER TABLE adds a primary key to a table the file does not create before it")
			}
			if err := d.setKey(i, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// find is the index of schema.name among the tables so far, or -1.
func (d *ddl) find(schema, name string) int {
	return slices.IndexFunc(d.tables, func(t config.SourceTable) bool { return t.Schema == schema && t.Table == name })
}

// setKey makes key the primary key of the i-th table: once, and of its columns.
func (d *ddl) setKey(i int, key []string) error {
	t := &d.tables[i]
	name := t.Schema + "." + t.Table
	if len(key) == 0 {
		return d.errorf(name, "PRIMARY KEY USING INDEX: name the key's columns, as pg_dump does")
	}
	if d.keyed[name] {
		return d.errorf(name, "has two primary keys")
	}
	for _, k := range key {
		if !slices.ContainsFunc(t.Columns, func(c config.SourceColumn) bool { return c.Name == k }) {
			return d.errorf(name, "primary key column %q: must be a column of the table", k)
		}
	}
	d.keyed[name] = true
	t.Key = key
	return nil
}
