package main

import (
	"cmp"
	"slices"
	"strings"

	"dataplatform/config"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// tableName is a table as a foreign key names it: schema and table, as written.
type tableName struct{ schema, table string }

// nameOf is t's name.
func nameOf(t config.SourceTable) tableName { return tableName{t.Schema, t.Table} }

// reference is one foreign key: the rows of from point to rows of to.
type reference struct{ from, to tableName }

// addReference records c if it is a FOREIGN KEY of the table from: inline REFERENCES on a
// column, a table constraint, or ALTER TABLE [ONLY] ... ADD CONSTRAINT ... FOREIGN KEY.
func (d *ddl) addReference(from tableName, c *pg.Constraint) {
	if c.GetContype() != pg.ConstrType_CONSTR_FOREIGN {
		return
	}
	to := tableName{c.GetPktable().GetSchemaname(), c.GetPktable().GetRelname()}
	d.refs = append(d.refs, reference{from: from, to: to})
}

// parentsFirst orders tables so that each comes after the tables its foreign keys reference,
// ties broken by schema.table name.
//
// Why not the dump's order: config's silver tables, and so the CloudFormation templates,
// follow tables.json's order, and pg_dump writes tables by name, so a team's dump order
// changes with every rename or new table. An order made of the foreign keys and the names
// alone does not churn the templates when the dump reorders, and reads as the data flows
// (customers, orders, order_items).
//
// A table's reference to itself, or to a table not in the dump, does not constrain the order.
// Foreign keys can form a cycle (DEFERRABLE ones let two tables reference each other): when
// every table left waits for another, the first by name of those on a cycle goes next, as if
// its references were not there, so the order stays deterministic and a cycle never stops
// the generator.
func parentsFirst(tables []config.SourceTable, refs []reference) []config.SourceTable {
	parents := parentsInDump(tables, refs)
	left := slices.Clone(tables)
	slices.SortFunc(left, func(a, b config.SourceTable) int {
		return cmp.Or(strings.Compare(a.Schema, b.Schema), strings.Compare(a.Table, b.Table))
	})
	placed := map[tableName]bool{}
	ordered := make([]config.SourceTable, 0, len(tables))
	for len(left) > 0 {
		i := slices.IndexFunc(left, func(t config.SourceTable) bool { return ready(nameOf(t), parents, placed) })
		if i < 0 {
			// Every table left has a parent left, so following parents from any of them
			// comes back round: at least one table left is on a cycle.
			i = slices.IndexFunc(left, func(t config.SourceTable) bool { return onCycle(nameOf(t), parents, placed) })
		}
		placed[nameOf(left[i])] = true
		ordered = append(ordered, left[i])
		left = slices.Delete(left, i, i+1)
	}
	return ordered
}

// parentsInDump is, for each table, the other tables of the dump its foreign keys reference.
func parentsInDump(tables []config.SourceTable, refs []reference) map[tableName][]tableName {
	dumped := map[tableName]bool{}
	for _, t := range tables {
		dumped[nameOf(t)] = true
	}
	parents := map[tableName][]tableName{}
	for _, r := range refs {
		if r.from != r.to && dumped[r.from] && dumped[r.to] {
			parents[r.from] = append(parents[r.from], r.to)
		}
	}
	return parents
}

// ready reports whether every parent of t is placed.
func ready(t tableName, parents map[tableName][]tableName, placed map[tableName]bool) bool {
	return !slices.ContainsFunc(parents[t], func(p tableName) bool { return !placed[p] })
}

// onCycle reports whether t's parents not yet placed lead, parent by parent, back to t.
func onCycle(t tableName, parents map[tableName][]tableName, placed map[tableName]bool) bool {
	seen := map[tableName]bool{}
	next := slices.Clone(parents[t])
	for len(next) > 0 {
		p := next[len(next)-1]
		next = next[:len(next)-1]
		if p == t {
			return true
		}
		if placed[p] || seen[p] {
			continue
		}
		seen[p] = true
		next = append(next, parents[p]...)
	}
	return false
}
