package config

import "testing"

func TestInvalidWarehouse(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"serving table not in silver", func(e *Environment) { e.Warehouse.Serving.Table = "public.invoices" },
			[]string{`staging: warehouse.serving.table "public.invoices": must be one of silver.tables (schema.table)`}},
		{"serving stream unknown", func(e *Environment) { e.Warehouse.Serving.Stream = "invoice-events" },
			[]string{`staging: warehouse.serving.stream "invoice-events": must be one of streaming.streams, with the serving table's key columns`}},
		{"serving stream without the key", func(e *Environment) { e.Warehouse.Serving.Stream = "web-events" },
			[]string{`staging: warehouse.serving.stream "web-events": must be one of streaming.streams, with the serving table's key columns`}},
		{"change key not a stream timestamp", func(e *Environment) { e.Warehouse.Serving.ChangeKey = "status" },
			[]string{`staging: warehouse.serving.changeKey "status": must be a timestamp column of the serving stream (and of the serving table, config/sources/database.sql)`}},
		// event_time is a timestamp of orders-events, and no column of public.orders.
		{"change key not a column of the serving table", func(e *Environment) { e.Warehouse.Serving.ChangeKey = "event_time" },
			[]string{`staging: warehouse.serving.changeKey "event_time": must be a timestamp column of the serving stream (and of the serving table, config/sources/database.sql)`}},
		{"no window for the changes view", func(e *Environment) { e.Warehouse.Serving.ChangesDays = 0 },
			[]string{`staging: warehouse.serving.changesDays 0: must be from 1 to 3650 days`}},
		{"no freshness", func(e *Environment) { e.Warehouse.FreshnessHours = 0 },
			[]string{`staging: warehouse.freshnessHours 0: must be from 1 to 168 hours`}},
	})
}
