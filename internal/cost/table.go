// Package cost prices a synthesized cloud assembly: the fixed monthly cost of every environment
// (what bills while it exists, at 730 hours a month) from one committed price table per region,
// the usage-priced things apart, the difference between two assemblies (a pull request's cost
// line), and the weekly comparison of the table with AWS's Price List Query API.
package cost

import (
	"embed"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// HoursPerMonth is the month every hourly price is multiplied by: 730 hours, AWS's own.
const HoursPerMonth = 730

// Classes a resource type may have in the table's types.
const (
	Fixed = "fixed"
	Usage = "usage"
	Free  = "free"
)

//go:embed prices/*.yaml
var tables embed.FS

// Table is one region's price table (internal/cost/prices/<region>.yaml).
type Table struct {
	Region   string
	Location string
	// Types classifies every CloudFormation type of the templates: fixed, usage or free.
	Types map[string]string
	// MWAAIncluded is how many schedulers, workers and web servers an environment's price
	// includes, per class ("default" for the others).
	MWAAIncluded map[string]MWAACounts `yaml:"mwaaIncluded"`
	Prices       []Row
	// File is where the table was read from.
	File string `yaml:"-"`
}

// MWAACounts are counts of an MWAA environment's schedulers, workers and web servers.
type MWAACounts struct {
	Schedulers, Workers, Webservers int
}

// Row is one price of the table.
type Row struct {
	Type       string
	Dimension  string
	Price      float64
	Unit       string
	Page       string
	Read       string
	Seen       string
	Unverified string
	Databricks bool
	Usage      bool
	Driver     string
	Filter     map[string]string
}

// Name names the row as the table and messages do: "<type> <dimension>".
func (r Row) Name() string { return r.Type + " " + r.Dimension }

// LoadRegion reads the committed table of region.
func LoadRegion(region string) (*Table, error) {
	name := "prices/" + region + ".yaml"
	raw, err := tables.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no price table for region %s (internal/cost/%s)", region, name)
	}
	return Parse(raw, "internal/cost/"+name)
}

// LoadFile reads a table from a file (cmd/cost -prices).
func LoadFile(path string) (*Table, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(raw, path)
}

// Parse reads a table and checks its rows: each names a classified type, a unit and a page with
// its date, and a filter with a service code unless it is Databricks' own; no two share a name.
func Parse(raw []byte, file string) (*Table, error) {
	var t Table
	if err := yaml.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	t.File = file
	var problems []string
	seen := map[string]bool{}
	for typ, class := range t.Types {
		if class != Fixed && class != Usage && class != Free {
			problems = append(problems, fmt.Sprintf("type %s: class %q is not fixed, usage or free", typ, class))
		}
	}
	for _, r := range t.Prices {
		switch {
		case seen[r.Name()]:
			problems = append(problems, "two rows "+r.Name())
		case r.Type != databricksCluster && t.Types[r.Type] == "":
			problems = append(problems, fmt.Sprintf("row %s: type %s is not classified in types", r.Name(), r.Type))
		case r.Unit == "" || r.Page == "" || r.Read == "":
			problems = append(problems, fmt.Sprintf("row %s: unit, page and read are required", r.Name()))
		case !r.Databricks && r.Filter != nil && r.Filter["service"] == "":
			problems = append(problems, fmt.Sprintf("row %s: its filter names no service code", r.Name()))
		case r.Seen == "" && r.Unverified == "":
			problems = append(problems, fmt.Sprintf("row %s: say where the figure was seen (seen) or why it is unverified", r.Name()))
		}
		seen[r.Name()] = true
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("%s:\n  %s", file, strings.Join(problems, "\n  "))
	}
	return &t, nil
}

// Row finds the row of typ and dimension.
func (t *Table) Row(typ, dimension string) (Row, bool) {
	for _, r := range t.Prices {
		if r.Type == typ && r.Dimension == dimension {
			return r, true
		}
	}
	return Row{}, false
}

// UsageRows are the usage prices, listed apart from the fixed cost.
func (t *Table) UsageRows() []Row {
	var out []Row
	for _, r := range t.Prices {
		if r.Usage {
			out = append(out, r)
		}
	}
	return out
}
