package config

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// The source database's tables are declared once, as the team's DDL: SourceDDL, the output of
// pg_dump --schema-only as it is. make generate (go run ./cmd/tables) parses it with
// PostgreSQL's own grammar into SourceTablesFile, which config embeds: parsing SQL needs a C
// compiler (pg_query), which synth and the deploy workflow then do without.
const (
	SourceDDL        = "config/sources/database.sql"
	SourceTablesFile = "config/sources/tables.json"
)

//go:embed sources/tables.json
var sourceTablesJSON []byte

// SourceTable is one table of SourceDDL as SourceTablesFile records it.
type SourceTable struct {
	// Schema and Table name it, lowercase as PostgreSQL folds unquoted names.
	Schema string `json:"schema"`
	Table  string `json:"table"`
	// Key is the primary key's columns in key order; empty for a table without one.
	Key []string `json:"key"`
	// Columns are its columns in the DDL's order.
	Columns []SourceColumn `json:"columns"`
}

// SourceColumn is one column of a SourceTable: its PostgreSQL type as pg_dump spells it
// (format_type, e.g. "numeric(12,2)") and the Hive type silver keeps it as.
type SourceColumn struct {
	Name       string `json:"name"`
	SourceType string `json:"sourceType"`
	Type       string `json:"type"`
}

// SourceTables are the tables of SourceDDL, parents before the tables whose foreign keys
// reference them (cmd/tables orders them so), each call a fresh copy.
func SourceTables() []SourceTable {
	var file struct {
		Tables []SourceTable `json:"tables"`
	}
	// A generated, committed file: a broken one is a bug of cmd/tables or a hand edit, not a
	// setting, so it stops everything that reads config.
	if err := json.Unmarshal(sourceTablesJSON, &file); err != nil {
		panic(fmt.Sprintf("%s: %v: run make generate", SourceTablesFile, err))
	}
	return file.Tables
}

// capturedTables are the tables of SourceDDL that cdc captures, in SourceTablesFile's order,
// with config/sources/columns.yaml's metadata on their columns: the tables silver keeps. A
// table the selection leaves out is not replicated, so silver has nothing of it.
func capturedTables(cdc Cdc) []ReplicatedTable {
	return withColumnMetadata(captured(cdc, SourceTables()))
}

// captured are the tables of tables that cdc captures, as silver declares them.
func captured(cdc Cdc, tables []SourceTable) []ReplicatedTable {
	var out []ReplicatedTable
	for _, t := range tables {
		if !cdc.Captures(t.Schema, t.Table) {
			continue
		}
		columns := make([]Column, len(t.Columns))
		for i, c := range t.Columns {
			columns[i] = Column{Name: c.Name, Type: c.Type}
		}
		out = append(out, ReplicatedTable{Schema: t.Schema, Table: t.Table, Key: slices.Clone(t.Key), Columns: columns})
	}
	return out
}
