package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInvalidWarehouse(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"serving table not in silver", func(e *Environment) { e.Warehouse.Serving.Table = "public.invoices" },
			[]string{`staging: warehouse.serving.table "public.invoices": must be one of silver.tables (schema.table)`}},
		{"serving stream unknown", func(e *Environment) { e.Warehouse.Serving.Stream = "invoice-events" },
			[]string{`staging: warehouse.serving.stream "invoice-events": must be one of streaming.streams, with the serving table's key columns`}},
		{"serving stream without the key", func(e *Environment) { e.Warehouse.Serving.Stream = "web-events" },
			[]string{`staging: warehouse.serving.stream "web-events": must be one of streaming.streams, with the serving table's key columns`}},
		{"change key not a stream timestamp", func(e *Environment) { e.Warehouse.Serving.ChangeKey = "status" },
			[]string{`staging: warehouse.serving.changeKey "status": must be a timestamp column of the serving stream (and of the serving table, config/sources/orders.sql)`}},
		{"no freshness", func(e *Environment) { e.Warehouse.FreshnessHours = 0 },
			[]string{`staging: warehouse.freshnessHours 0: must be from 1 to 168 hours`}},
	})
}

// TestServingChangeKeyIsInTheSampleSchema: the change key the stream declares is a timestamp
// column of the serving table in config/sources/orders.sql too, so both flows carry it.
func TestServingChangeKeyIsInTheSampleSchema(t *testing.T) {
	sql, err := os.ReadFile("sources/orders.sql")
	require.NoError(t, err)
	for _, e := range All() {
		s := e.Warehouse.Serving
		_, table, _ := strings.Cut(s.Table, ".")
		block := regexp.MustCompile(`(?s)CREATE TABLE public\.` + table + ` \((.*?)\n\);`).FindSubmatch(sql)
		require.NotNil(t, block, "%s: %s is not in orders.sql", e.Name, s.Table)
		assert.Regexp(t, `(?m)^\s+`+s.ChangeKey+` timestamptz NOT NULL,$`, string(block[1]), e.Name)
	}
}
