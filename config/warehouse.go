package config

import (
	"slices"
)

// Warehouse configures the dbt warehouse (warehouse/): gold built on Athena from silver, and the
// serving view where the batch and speed flows meet.
type Warehouse struct {
	// Serving pairs a replicated table with the stream that carries its changes as they happen:
	// the serving view answers from the batch job's silver up to its watermark and from the
	// stream after it.
	Serving Serving
	// FreshnessHours is how old a silver source's newest row may be before dbt's source
	// freshness fails, and with it the warehouse's run (its alert).
	FreshnessHours int
}

// Serving is the business question both flows answer: the current state of each row of Table.
type Serving struct {
	// Table is the replicated table (schema.table) whose changes the batch job merges.
	Table string
	// Stream is the stream that carries the same changes, with Table's key columns.
	Stream string
	// ChangeKey is the timestamp column both flows carry for one change (the table's and the
	// stream's): one change is recognised in both by the key and it, and the batch job's
	// watermark is its newest value in silver.
	ChangeKey string `config:"changeKey"`
	// ChangesDays is how far back the changes view (order_status_changes) answers: the batch's
	// changes committed in the ChangesDays days up to its watermark, and the stream's after it.
	// Each query then reads that many days of the history's partitions, not the whole history;
	// the current status reads silver's current table and needs no window.
	ChangesDays int `config:"changesDays"`
}

// ServingTable is the replicated table of Warehouse.Serving, or false if config names none.
func (e Environment) ServingTable() (ReplicatedTable, bool) {
	i := slices.IndexFunc(e.Silver.Tables, func(t ReplicatedTable) bool { return t.Name() == e.Warehouse.Serving.Table })
	if i < 0 {
		return ReplicatedTable{}, false
	}
	return e.Silver.Tables[i], true
}

// ServingStream is the stream of Warehouse.Serving, or false if config names none.
func (e Environment) ServingStream() (Stream, bool) {
	i := slices.IndexFunc(e.Streaming.Streams, func(s Stream) bool { return s.Name == e.Warehouse.Serving.Stream })
	if i < 0 {
		return Stream{}, false
	}
	return e.Streaming.Streams[i], true
}

// warehouseRules judge the serving pair only against tables and streams that exist: with none,
// their own rules say so.
var warehouseRules = rules[Environment]{
	only(func(e Environment) bool { return len(e.Silver.Tables) > 0 && len(e.Streaming.Streams) > 0 }, rules[Environment]{servingRules}),
	{Field: "warehouse.freshnessHours", Allowed: "must be from 1 to 168 hours", check: func(f field, e Environment) {
		f.check(e.Warehouse.FreshnessHours >= 1 && e.Warehouse.FreshnessHours <= 168, e.Warehouse.FreshnessHours)
	}},
}

var servingRules = group(rules[Environment]{
	{Field: "warehouse.serving.table", Allowed: "must be one of silver.tables (schema.table)", stop: true, check: func(f field, e Environment) {
		_, ok := e.ServingTable()
		f.check(ok, e.Warehouse.Serving.Table)
	}},
	{Field: "warehouse.serving.stream", Allowed: "must be one of streaming.streams, with the serving table's key columns", stop: true, check: func(f field, e Environment) {
		s, ok := e.ServingStream()
		t, _ := e.ServingTable()
		f.check(ok && !slices.ContainsFunc(t.Key, func(k string) bool { return !hasColumn(s.Columns, k) }), e.Warehouse.Serving.Stream)
	}},
	{Field: "warehouse.serving.changeKey", Allowed: "must be a timestamp column of the serving stream (and of the serving table, config/sources/database.sql)", check: func(f field, e Environment) {
		s, _ := e.ServingStream()
		t, _ := e.ServingTable()
		// By name and type: a column's other fields (personal data, say) are no concern here.
		timestamp := func(c Column) bool { return c.Name == e.Warehouse.Serving.ChangeKey && c.Type == "timestamp" }
		f.check(slices.ContainsFunc(s.Columns, timestamp) && slices.ContainsFunc(t.Columns, timestamp), e.Warehouse.Serving.ChangeKey)
	}},
	{Field: "warehouse.serving.changesDays", Allowed: "must be from 1 to 3650 days", check: func(f field, e Environment) {
		f.check(e.Warehouse.Serving.ChangesDays >= 1 && e.Warehouse.Serving.ChangesDays <= 3650, e.Warehouse.Serving.ChangesDays)
	}},
})

func hasColumn(columns []Column, name string) bool {
	return slices.ContainsFunc(columns, func(c Column) bool { return c.Name == name })
}

// sampleWarehouse serves the current status of each order: the orders table, and the
// orders-events stream that carries its status changes.
func sampleWarehouse() Warehouse {
	return Warehouse{Serving: Serving{Table: "public.orders", Stream: "orders-events", ChangeKey: "updated_at", ChangesDays: 30}, FreshnessHours: 36}
}
