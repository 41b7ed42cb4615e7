// Command tables writes config/sources/tables.json, the tables config and the jobs' fixtures
// read, from config/sources/database.sql, the source database's schema as
// `pg_dump --schema-only` writes it. It parses the DDL with PostgreSQL's own grammar
// (pg_query, which needs cgo and a C compiler: only make generate runs this command; config
// reads the JSON it writes).
//
//	go run ./cmd/tables   # make generate
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"dataplatform/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("tables", flag.ContinueOnError)
	flags.SetOutput(stderr)
	in := flags.String("ddl", config.SourceDDL, "the source database's schema, pg_dump --schema-only's output")
	out := flags.String("o", config.SourceTablesFile, "the file to write the tables to")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if err := generate(*in, *out); err != nil {
		fmt.Fprintln(stderr, "tables:", err)
		return 1
	}
	return 0
}

// generate reads the DDL at in and writes its tables to out.
func generate(in, out string) error {
	sql, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	tables, err := parseDDL(in, string(sql))
	if err != nil {
		return err
	}
	data, err := render(in, tables)
	if err != nil {
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

// tablesFile is tables.json: the tables, and the whole type mapping the generator applies, so
// that the jobs' DMS contract test checks every mapping, not only the ones the tables use.
type tablesFile struct {
	Generated string               `json:"generated"`
	Tables    []config.SourceTable `json:"tables"`
	Types     typeMap              `json:"types"`
}

// typeMap is pgTypes as a JSON object in their order (a Go map would sort it).
type typeMap []pgType

func (m typeMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, t := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(t.name)
		value, _ := json.Marshal(t.silver)
		b.Write(key)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// render is tables.json's text: indented one space, with a final newline.
func render(ddlFile string, tables []config.SourceTable) ([]byte, error) {
	if tables == nil {
		tables = []config.SourceTable{}
	}
	data, err := json.MarshalIndent(tablesFile{
		Generated: fmt.Sprintf("by make generate (go run ./cmd/tables) from %s: do not edit", ddlFile),
		Tables:    tables,
		Types:     pgTypes,
	}, "", " ")
	return append(data, '\n'), err
}
