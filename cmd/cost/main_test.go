package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckPricesFailsNamingRows runs -check-prices with a stand-in AWS CLI whose Price List
// finds no product: every checked row is named in an ::error:: line, and the exit status is 1.
func TestCheckPricesFailsNamingRows(t *testing.T) {
	aws := filepath.Join(t.TempDir(), "aws")
	require.NoError(t, os.WriteFile(aws, []byte("#!/bin/sh\necho '{\"FormatVersion\":\"aws_v1\",\"PriceList\":[]}'\n"), 0o755))
	var stdout, stderr bytes.Buffer
	code := run([]string{"-check-prices", "-env", "staging", "-aws", aws}, &stdout, &stderr)
	assert.Equal(t, 1, code, stderr.String())
	assert.Contains(t, stdout.String(), "::error::internal/cost/prices/us-east-1.yaml: AWS::EC2::NatGateway hour: the filter matches 0 products")
	assert.NotContains(t, stdout.String(), "dbu:jobs-compute-premium", "Databricks' own rows are not in the Price List")
}

func TestUnpricedAssemblyFails(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 1, run([]string{"-cdk-out", t.TempDir()}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "not a cloud assembly")
}
