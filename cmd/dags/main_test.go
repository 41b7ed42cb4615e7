package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
