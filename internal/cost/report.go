package cost

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Money is a dollar amount with two decimals.
func Money(v float64) string { return fmt.Sprintf("$%.2f", v) }

// mark flags a line's price: * unverified, † Databricks' own (in no AWS price list).
func mark(r Row) string {
	var m string
	if r.Unverified != "" {
		m += "*"
	}
	if r.Databricks {
		m += "†"
	}
	return m
}

// unitPrice shows a price with two decimals at least, and as many as it has.
func unitPrice(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i == 2 {
		s += "0"
	}
	return "$" + s
}

func quantity(q float64) string {
	s := fmt.Sprintf("%.2f", q)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Write prints each environment's table (resource path, type, dimension, quantity, unit price,
// monthly) and total, then its usage prices with what drives them.
func Write(w io.Writer, reports []Report) error {
	fmt.Fprintf(w, "Fixed monthly cost per environment: on-demand list prices, %d hours a month, before usage and free tiers.\n", HoursPerMonth)
	fmt.Fprintln(w, "* a price not yet confirmed against its page (the weekly Price List check confirms AWS's); † Databricks' own price, in no AWS price list.")
	for _, r := range reports {
		fmt.Fprintf(w, "\n== %s (%s, %s)\n", r.Env, r.Region, r.Table.File)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "resource\ttype\tdimension\tquantity\tunit price\tmonthly")
		for _, l := range r.Lines {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s%s\t%s\n", l.Path, l.Type, l.Dimension, quantity(l.Quantity), l.Unit,
				unitPrice(l.UnitPrice), mark(l.Row), Money(l.Monthly))
		}
		fmt.Fprintf(tw, "total\t\t\t\t\t%s\n", Money(r.Total))
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(r.Usage) > 0 {
			fmt.Fprintf(w, "\n%s: usage-priced, not in the total\n", r.Env)
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "type\tdimension\tunit price\tdriven by (config)")
			for _, u := range r.Usage {
				price := unitPrice(u.Price) + " per " + u.Unit
				if u.Dimension == "autoscaled-worker-hour" {
					price = "the class's worker-hour price"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\n", u.Type, u.Dimension, price, mark(u), or(u.Driver, "-"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(w)
	for _, r := range reports {
		fmt.Fprintf(w, "%s: %s a month fixed\n", r.Env, Money(r.Total))
	}
	return nil
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Change is what one resource's dimension adds to (or takes from) an environment's cost.
type Change struct {
	Path, Type, Dimension string
	Before, After         float64
}

// EnvDiff is one environment's fixed monthly cost before and after, and the changes between.
type EnvDiff struct {
	Env           string
	Before, After float64
	Changes       []Change
}

// Diff prices the base and head assemblies alike (committed tables, config's Databricks
// settings) and returns, per environment of either, the fixed monthly cost before and after
// and every resource dimension whose monthly cost changed.
func Diff(base, head string) ([]EnvDiff, error) {
	envs := Environments()
	before, err := Price(base, envs, LoadRegion)
	if err != nil {
		return nil, fmt.Errorf("base %s: %w", base, err)
	}
	after, err := Price(head, envs, LoadRegion)
	if err != nil {
		return nil, fmt.Errorf("head %s: %w", head, err)
	}
	return diff(before, after), nil
}

func diff(before, after []Report) []EnvDiff {
	type key struct{ path, typ, dimension string }
	byEnv := map[string]*EnvDiff{}
	lines := map[string]map[key]*Change{}
	get := func(env string) *EnvDiff {
		if byEnv[env] == nil {
			byEnv[env] = &EnvDiff{Env: env}
			lines[env] = map[key]*Change{}
		}
		return byEnv[env]
	}
	for i, side := range [][]Report{before, after} {
		for _, r := range side {
			d := get(r.Env)
			if i == 0 {
				d.Before = r.Total
			} else {
				d.After = r.Total
			}
			for _, l := range r.Lines {
				k := key{l.Path, l.Type, l.Dimension}
				c := lines[r.Env][k]
				if c == nil {
					c = &Change{Path: l.Path, Type: l.Type, Dimension: l.Dimension}
					lines[r.Env][k] = c
				}
				if i == 0 {
					c.Before += l.Monthly
				} else {
					c.After += l.Monthly
				}
			}
		}
	}
	var out []EnvDiff
	for env, d := range byEnv {
		for _, c := range lines[env] {
			if fmt.Sprintf("%.2f", c.Before) != fmt.Sprintf("%.2f", c.After) {
				d.Changes = append(d.Changes, *c)
			}
		}
		slices.SortFunc(d.Changes, func(a, b Change) int {
			return strings.Compare(a.Path+" "+a.Dimension, b.Path+" "+b.Dimension)
		})
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b EnvDiff) int { return strings.Compare(a.Env, b.Env) })
	return out
}

// CommentMarker is the first line of the pull request's cost comment, which the workflow
// finds to edit the comment in place.
const CommentMarker = "<!-- cost-line -->"

// WriteDiff prints the cost line as Markdown: per environment the fixed monthly cost before and
// after, and the resources that changed it.
func WriteDiff(w io.Writer, diffs []EnvDiff) error {
	fmt.Fprintln(w, CommentMarker)
	fmt.Fprintf(w, "**Fixed monthly cost** (`make cost`: list prices, %d hours a month, before usage)\n\n", HoursPerMonth)
	fmt.Fprintln(w, "| environment | before | after | change |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	for _, d := range diffs {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", d.Env, Money(d.Before), Money(d.After), signed(d.After-d.Before))
	}
	for _, d := range diffs {
		if len(d.Changes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n**%s**: what changed it\n\n| resource | type | dimension | before | after |\n| --- | --- | --- | ---: | ---: |\n", d.Env)
		for _, c := range d.Changes {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", c.Path, c.Type, c.Dimension, Money(c.Before), Money(c.After))
		}
	}
	_, err := fmt.Fprintln(w, "\nThe Databricks speed layer is priced from this branch's config on both sides.")
	return err
}

func signed(v float64) string {
	switch {
	case fmt.Sprintf("%.2f", v) == "0.00" || fmt.Sprintf("%.2f", v) == "-0.00":
		return "$0.00"
	case v > 0:
		return "+" + Money(v)
	default:
		return "-" + Money(-v)
	}
}
