package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileIsCurrent: dags/api_sources.json is what config/sources/api.yaml generates today.
func TestFileIsCurrent(t *testing.T) {
	fresh, err := Generate(config.DeclaredAPISources())
	require.NoError(t, err)
	committed, err := os.ReadFile("../../dags/api_sources.json")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(committed, fresh), "dags/api_sources.json is stale: run make generate")
}

// TestTheDAGReadsWhatEachSourceDeclares: every field the DAG reads, from the tests' own
// sources: a paginated one, and one of a single page without parameters.
func TestTheDAGReadsWhatEachSourceDeclares(t *testing.T) {
	raw, err := Generate([]config.APISource{
		{Name: "trades", URL: "https://api.example.com/trades?product=a&b", Params: map[string]string{"limit": "100"},
			Pagination: config.Pagination{Type: config.PaginationHeaderCursor, Header: "CB-AFTER", Param: "after", MaxPages: 3},
			Key:        []string{"id"}, Columns: []config.Column{{Name: "id", Type: "bigint"}}},
		{Name: "rates", URL: "https://api.example.com/rates", Records: "data", Pagination: config.Pagination{Type: config.PaginationNone},
			Key: []string{"dt"}, Columns: []config.Column{{Name: "rates", Type: "map<string,string>"}}},
	})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, map[string]any{
		"generated": "by make generate (go run ./cmd/dags) from config/sources/api.yaml: do not edit",
		"sources": []any{
			map[string]any{"name": "trades", "url": "https://api.example.com/trades?product=a&b", "params": map[string]any{"limit": "100"},
				"pagination": map[string]any{"type": "header_cursor", "header": "CB-AFTER", "param": "after", "max_pages": float64(3)}},
			// No pagination key: the DAG pulls one page; params always an object.
			map[string]any{"name": "rates", "url": "https://api.example.com/rates", "params": map[string]any{}, "records": "data"},
		},
	}, doc)
	assert.Contains(t, string(raw), "product=a&b", "URLs as written, not \\u0026")
	assert.True(t, bytes.HasSuffix(raw, []byte("}\n")))
}

func TestRunWritesTheFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "api_sources.json")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"-o", out}, &stdout, &stderr), stderr.String())
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	fresh, err := Generate(config.DeclaredAPISources())
	require.NoError(t, err)
	assert.Equal(t, string(fresh), string(written))
	assert.Empty(t, stdout.String())
}

// TestSmokePlanIsCurrent: dags/smoke_plan.json is what config and the warehouse's manifest
// generate today.
func TestSmokePlanIsCurrent(t *testing.T) {
	manifest, err := os.ReadFile("../../warehouse/manifest.json")
	require.NoError(t, err)
	fresh, err := GenerateSmokePlan(config.All(), manifest)
	require.NoError(t, err)
	committed, err := os.ReadFile("../../dags/smoke_plan.json")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(committed, fresh), "dags/smoke_plan.json is stale: run make generate")
}

// TestSmokePlan: the plan's prefixes are the producers' own (DMS's table folder, Firehose's
// data prefix before its first expression), its tables silver's and gold's, and no reader
// reads a personal column.
func TestSmokePlan(t *testing.T) {
	manifest, err := os.ReadFile("../../warehouse/manifest.json")
	require.NoError(t, err)
	raw, err := GenerateSmokePlan(config.All(), manifest)
	require.NoError(t, err)
	var plan smokePlan
	require.NoError(t, json.Unmarshal(raw, &plan))
	assert.Equal(t, smokeMarker{CustomerID: -1, EventIDPrefix: "platform-smoke-"}, plan.Marker)
	require.NotNil(t, plan.Database)
	assert.Equal(t, smokeDatabase{Table: "public.orders", Key: []string{"order_id"}, MarkerColumn: "customer_id", OpColumn: config.BronzeCDCOpColumn,
		BronzePrefix: "rds/public/orders/", SilverCurrent: "public_orders", SilverHistory: "public_orders_history",
		ServingView: "order_status_current", ChangeKey: "updated_at"}, *plan.Database)
	require.Len(t, plan.Streams, len(config.DeclaredStreams()))
	for _, s := range plan.Streams {
		assert.Equal(t, "kinesis/"+s.Name+"/", s.BronzePrefix)
		assert.True(t, strings.HasPrefix(config.BronzeKinesisDataPrefix(s.Name), s.BronzePrefix), "Firehose's own prefix")
		assert.Equal(t, "kinesis_"+strings.ReplaceAll(s.Name, "-", "_"), s.SilverTable)
		assert.Equal(t, s.Name == "orders-events", s.ServingView == "order_status_current", s.Name)
	}
	require.NotNil(t, plan.API)
	assert.Equal(t, config.DeclaredAPISources()[0].Name, plan.API.Source)
	assert.Equal(t, "api_"+plan.API.Source, plan.API.SilverTable)
	assert.Equal(t, config.BronzeAPIDayColumn, plan.API.DayColumn, "the silver table's day column, which api_silver counts by")

	personal := []string{"record"}
	for _, e := range config.All() {
		for _, t := range e.Silver.Tables {
			for _, c := range t.Columns {
				if c.Personal {
					personal = append(personal, c.Name)
				}
			}
		}
	}
	require.Contains(t, personal, "email", "columns.yaml declares customers' email personal")
	for _, r := range append(plan.Readers.Silver, plan.Readers.Gold...) {
		assert.NotContains(t, personal, r.Column, r.Table)
	}
	var gold []string
	for _, r := range plan.Readers.Gold {
		gold = append(gold, r.Table)
	}
	assert.Contains(t, gold, "dim_customers")
	assert.Contains(t, gold, "order_status_current")
}

// TestSmokePlanNeedsTheServingView: a manifest without the serving view is an error, not a
// plan that waits for a view that does not exist.
func TestSmokePlanNeedsTheServingView(t *testing.T) {
	_, err := GenerateSmokePlan(config.All(), []byte(`{"nodes": {}}`))
	assert.ErrorContains(t, err, "no model order_status_current")
}
