// Command dags writes dags/api_sources.json: what the api_ingestion DAG reads of each API
// source of config/sources/api.yaml (its name, URL, query parameters, records key and
// pagination). The Airflow stack ships the file with the DAGs. The DAG reads it as it is:
// config's rules, which this command runs first, are its only validation.
//
// With -plan it also writes dags/smoke_plan.json, what platform_smoke marks, where it waits
// and what it reads (smoke.go), from config and the warehouse's manifest (-manifest), so after
// make warehouse-config.
//
//	go run ./cmd/dags -o dags/api_sources.json -plan dags/smoke_plan.json   # make generate
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"dataplatform/config"
	"dataplatform/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("dags", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("o", "", "file to write the DAG's sources to (default: standard output)")
	planOut := flags.String("plan", "", "file to write the smoke plan to (default: none)")
	manifestFile := flags.String("manifest", "warehouse/manifest.json", "the warehouse's dbt manifest, read for the smoke plan's gold readers")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	err := config.Validate(config.All()...)
	var page []byte
	if err == nil {
		page, err = Generate(config.DeclaredAPISources())
	}
	if err == nil {
		err = cli.WriteOutput(*out, page, stdout)
	}
	if err == nil && *planOut != "" {
		err = writePlan(*planOut, *manifestFile)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dags:", err)
		return 1
	}
	return 0
}

// writePlan writes the smoke plan to out from config and the manifest file.
func writePlan(out, manifestFile string) error {
	raw, err := os.ReadFile(manifestFile)
	if err != nil {
		return err
	}
	plan, err := GenerateSmokePlan(config.All(), raw)
	if err != nil {
		return err
	}
	return os.WriteFile(out, plan, 0o644)
}

// Generated marks the file as generated, in the file itself: JSON has no comments.
const Generated = "by make generate (go run ./cmd/dags) from " + config.APISourcesFile + ": do not edit"

// file is dags/api_sources.json.
type file struct {
	Generated string   `json:"generated"`
	Sources   []source `json:"sources"`
}

// source is what the DAG reads of one API source (dags/platform_lib/sources.py).
type source struct {
	Name   string            `json:"name"`
	URL    string            `json:"url"`
	Params map[string]string `json:"params"`
	// Records is the key of the response's object that holds the records; left out when the
	// body is the records.
	Records    string      `json:"records,omitempty"`
	Pagination *pagination `json:"pagination,omitempty"`
}

// pagination is a paginated source's cursor; left out for a source of one page.
type pagination struct {
	Type     string `json:"type"`
	Header   string `json:"header"`
	Param    string `json:"param"`
	MaxPages int    `json:"max_pages"`
}

// Generate renders the DAG's file of sources: indented one space, with a final newline.
func Generate(sources []config.APISource) ([]byte, error) {
	doc := file{Generated: Generated, Sources: []source{}}
	for _, s := range sources {
		out := source{Name: s.Name, URL: s.URL, Params: map[string]string{}, Records: s.Records}
		for k, v := range s.Params {
			out.Params[k] = v
		}
		if p := s.Pagination; p.Type == config.PaginationHeaderCursor {
			out.Pagination = &pagination{Type: p.Type, Header: p.Header, Param: p.Param, MaxPages: p.MaxPages}
		}
		doc.Sources = append(doc.Sources, out)
	}
	var b bytes.Buffer
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false) // URLs keep their & and query as written
	encoder.SetIndent("", " ")
	if err := encoder.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
