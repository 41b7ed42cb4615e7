package test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dataplatform/internal/cost"
)

// TestCostPricesEveryResource: make cost's pricing of the whole app (all three environments)
// classifies every resource type and finds a row for every fixed price.
func TestCostPricesEveryResource(t *testing.T) {
	reports, err := cost.Price(suite.outdir, cost.Environments(), cost.LoadRegion)
	require.NoError(t, err)
	var envs []string
	for _, r := range reports {
		envs = append(envs, r.Env)
		assert.Positive(t, r.Total, r.Env)
	}
	assert.Equal(t, []string{"develop", "staging", "production"}, envs)
}

// TestCostFailsWithoutAPriceRow removes, one at a time, each row the app's pricing uses, and
// each type classification it reads: the pricing fails, naming the type and a resource of it.
func TestCostFailsWithoutAPriceRow(t *testing.T) {
	table, err := cost.LoadRegion("us-east-1")
	require.NoError(t, err)
	reports, err := cost.Price(suite.outdir, cost.Environments(), cost.LoadRegion)
	require.NoError(t, err)
	used := map[string][]string{} // row name -> paths priced with it
	for _, r := range reports {
		for _, l := range r.Lines {
			used[l.Row.Name()] = append(used[l.Row.Name()], l.Path)
		}
	}
	require.Greater(t, len(used), 20, "rows used")
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range used {
			if !yield(n) {
				return
			}
		}
	}) {
		without := *table
		without.Prices = slices.DeleteFunc(slices.Clone(table.Prices), func(r cost.Row) bool { return r.Name() == name })
		_, err := cost.Price(suite.outdir, cost.Environments(), func(string) (*cost.Table, error) { return &without, nil })
		if assert.Error(t, err, "without row %s", name) {
			typ, dimension, _ := strings.Cut(name, " ")
			assert.Contains(t, err.Error(), used[name][0]+" ("+typ+")", "the resource and its type are named")
			assert.Contains(t, err.Error(), dimension)
		}
	}
	for _, typ := range []string{"AWS::EC2::NatGateway", "AWS::IAM::Role", "AWS::S3::Bucket"} {
		without := *table
		without.Types = map[string]string{}
		for k, v := range table.Types {
			if k != typ {
				without.Types[k] = v
			}
		}
		_, err := cost.Price(suite.outdir, cost.Environments(), func(string) (*cost.Table, error) { return &without, nil })
		if assert.Error(t, err, "without type %s", typ) {
			assert.Contains(t, err.Error(), "type "+typ+" is not classified")
			assert.Regexp(t, `(develop|staging|production|account-\d+)/\S+ \(`+strings.ReplaceAll(typ, ":", ":")+`\)`, err.Error())
		}
	}
}

// TestCostDocsAreCurrent: docs/costs-and-limits.md's totals are what make cost prints.
func TestCostDocsAreCurrent(t *testing.T) {
	reports, err := cost.Price(suite.outdir, cost.Environments(), cost.LoadRegion)
	require.NoError(t, err)
	page, err := os.ReadFile(filepath.Join("..", cost.DocsFile))
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(page), cost.DocsBegin+"\n")
	require.True(t, ok, "%s has no %q", cost.DocsFile, cost.DocsBegin)
	block, _, ok = strings.Cut(block, cost.DocsEnd)
	require.True(t, ok, "%s has no %q", cost.DocsFile, cost.DocsEnd)
	assert.Equal(t, cost.DocsBlock(reports), block, "%s's totals are stale: run make cost", cost.DocsFile)
}

// TestCostLineRisesByANatGateway: a copy of the app's assembly whose develop Network template
// gains a NAT gateway and its Elastic IP; the pull request's cost line rises by exactly their
// two price rows in develop, names the two resources, and leaves the others alone.
func TestCostLineRisesByANatGateway(t *testing.T) {
	head := t.TempDir()
	var network string
	require.NoError(t, filepath.WalkDir(suite.outdir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, _ := filepath.Rel(suite.outdir, path)
		if strings.HasPrefix(filepath.Base(path), "developNetwork") && strings.HasSuffix(path, ".template.json") {
			network = filepath.Join(head, rel)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		require.NoError(t, os.MkdirAll(filepath.Join(head, filepath.Dir(rel)), 0o755))
		return os.WriteFile(filepath.Join(head, rel), raw, 0o644)
	}))
	require.NotEmpty(t, network, "develop's Network template")
	raw, err := os.ReadFile(network)
	require.NoError(t, err)
	var tpl map[string]any
	require.NoError(t, json.Unmarshal(raw, &tpl))
	resources := tpl["Resources"].(map[string]any)
	resources["SecondEip"] = map[string]any{"Type": "AWS::EC2::EIP", "Properties": map[string]any{"Domain": "vpc"},
		"Metadata": map[string]any{"aws:cdk:path": "develop/Network/Vpc/PublicSubnet2/EIP"}}
	resources["SecondNat"] = map[string]any{"Type": "AWS::EC2::NatGateway",
		"Properties": map[string]any{"AllocationId": map[string]any{"Fn::GetAtt": []any{"SecondEip", "AllocationId"}}},
		"Metadata":   map[string]any{"aws:cdk:path": "develop/Network/Vpc/PublicSubnet2/NATGateway"}}
	raw, err = json.Marshal(tpl)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(network, raw, 0o644))

	diffs, err := cost.Diff(suite.outdir, head)
	require.NoError(t, err)
	table, err := cost.LoadRegion("us-east-1")
	require.NoError(t, err)
	nat, ok := table.Row("AWS::EC2::NatGateway", "hour")
	require.True(t, ok)
	eip, ok := table.Row("AWS::EC2::EIP", "public-ipv4-hour")
	require.True(t, ok)
	rise := (nat.Price + eip.Price) * cost.HoursPerMonth
	require.Len(t, diffs, 3)
	for _, d := range diffs {
		if d.Env != "develop" {
			assert.InDelta(t, d.Before, d.After, 1e-9, d.Env)
			assert.Empty(t, d.Changes, d.Env)
			continue
		}
		assert.InDelta(t, rise, d.After-d.Before, 1e-9)
		assert.Equal(t, []cost.Change{
			{Path: "develop/Network/Vpc/PublicSubnet2/EIP", Type: "AWS::EC2::EIP", Dimension: "public-ipv4-hour", After: eip.Price * cost.HoursPerMonth},
			{Path: "develop/Network/Vpc/PublicSubnet2/NATGateway", Type: "AWS::EC2::NatGateway", Dimension: "hour", After: nat.Price * cost.HoursPerMonth},
		}, d.Changes)
	}
	var line strings.Builder
	require.NoError(t, cost.WriteDiff(&line, diffs))
	assert.Contains(t, line.String(), "+"+cost.Money(rise), "the cost line shows the rise")
}
