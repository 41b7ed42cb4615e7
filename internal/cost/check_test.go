package cost

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answer is a GetProducts answer as the API documents it
// (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html:
// FormatVersion, NextToken, and PriceList, "a list of strings" each a JSON product), each product
// in the offer file's shape (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-an-offer.html:
// product.sku and attributes; terms.OnDemand.<offer term code>.priceDimensions.<rate code>,
// with unit, description, beginRange, endRange and pricePerUnit.USD as a decimal string).
func answer(t *testing.T, products ...map[string]string) []byte {
	t.Helper()
	var list []string
	for i, tiers := range products {
		dims := map[string]any{}
		for code, usd := range tiers {
			dims["SKU"+code] = map[string]any{
				"rateCode": "SKU.JRTCKXETXF." + code, "unit": "Hrs", "description": "$" + usd + " per NAT Gateway Hour",
				"beginRange": "0", "endRange": "Inf", "appliesTo": []string{}, "pricePerUnit": map[string]string{"USD": usd},
			}
		}
		p, err := json.Marshal(map[string]any{
			"product": map[string]any{"productFamily": "NAT Gateway", "sku": "SKU" + string(rune('A'+i)),
				"attributes": map[string]string{"servicecode": "AmazonEC2", "location": "US East (N. Virginia)", "usagetype": "NatGateway-Hours"}},
			"serviceCode": "AmazonEC2",
			"terms": map[string]any{"OnDemand": map[string]any{"SKU.JRTCKXETXF": map[string]any{
				"offerTermCode": "JRTCKXETXF", "sku": "SKU", "effectiveDate": "2026-11-01T00:00:00Z", "priceDimensions": dims}}},
			"version": "20261101000000", "publicationDate": "2026-11-01T00:00:00Z",
		})
		require.NoError(t, err)
		list = append(list, string(p))
	}
	raw, err := json.Marshal(map[string]any{"FormatVersion": "aws_v1", "PriceList": list})
	require.NoError(t, err)
	return raw
}

func TestListPrice(t *testing.T) {
	for name, c := range map[string]struct {
		answer []byte
		want   float64
		err    string
	}{
		"one product":           {answer: answer(t, map[string]string{"6YS6EN2CT7": "0.0450000000"}), want: 0.045},
		"a free tier then paid": {answer: answer(t, map[string]string{"A": "0.0000000000", "B": "0.1000000000"}), want: 0.10},
		"no product":            {answer: answer(t), err: "matches 0 products"},
		"two products":          {answer: answer(t, map[string]string{"A": "1"}, map[string]string{"A": "2"}), err: "matches 2 products"},
		"not an answer":         {answer: []byte("<html>"), err: "not a GetProducts answer"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ListPrice(c.answer)
			if c.err != "" {
				assert.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-12)
		})
	}
}

func TestCompareFailsBeyondFivePercent(t *testing.T) {
	row := Row{Type: "AWS::EC2::NatGateway", Dimension: "hour", Price: 0.045, Unit: "hour"}
	assert.NoError(t, Compare(row, 0.045))
	assert.NoError(t, Compare(row, 0.0430), "4.7% apart")
	err := Compare(row, 0.050)
	require.Error(t, err, "10% apart")
	assert.Contains(t, err.Error(), "AWS::EC2::NatGateway hour", "the row is named")
	assert.Error(t, Compare(row, 0.040))
}

// TestCheckRows runs the weekly check over the committed table with a stand-in for the AWS
// CLI that answers each row with the table's own price, then with one row 10% dearer.
func TestCheckRows(t *testing.T) {
	table, err := LoadRegion("us-east-1")
	require.NoError(t, err)
	priceOf := func(args []string) (Row, bool) {
		for _, r := range table.Prices {
			if r.Filter != nil && !r.Databricks && strings.Join(GetProductsArgs(table, r), " ") == strings.Join(args, " ") {
				return r, true
			}
		}
		return Row{}, false
	}
	var calls [][]string
	dearer := "AWS::MWAA::Environment environment-hour:mw1.small"
	fetch := func(args []string) ([]byte, error) {
		calls = append(calls, args)
		r, ok := priceOf(args)
		if !ok {
			return nil, errors.New("unknown filter")
		}
		price := r.Price
		if r.Name() == dearer {
			price *= 1.10
		}
		return answer(t, map[string]string{"A": strconvFloat(price)}), nil
	}
	problems, skipped := CheckRows(table, fetch)
	require.Len(t, problems, 1, "%v", problems)
	assert.Contains(t, problems[0], dearer)
	assert.Contains(t, skipped, "Databricks::Cluster dbu:jobs-compute-premium")
	require.NotEmpty(t, calls)
	for _, args := range calls {
		assert.Equal(t, []string{"pricing", "get-products", "--region", "us-east-1"}, args[:4], "the Price List API is called in us-east-1")
		assert.Contains(t, args, "Type=TERM_MATCH,Field=location,Value=US East (N. Virginia)")
	}
}

func strconvFloat(v float64) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func TestParseRefusesIncompleteRows(t *testing.T) {
	_, err := Parse([]byte(`
types: {AWS::EC2::NatGateway: fixed, AWS::X::Y: sometimes}
prices:
  - {type: AWS::EC2::NatGateway, dimension: hour, price: 0.045, unit: hour, page: p, read: d, seen: s}
  - {type: AWS::EC2::NatGateway, dimension: hour, price: 0.045, unit: hour, page: p, read: d, seen: s}
  - {type: AWS::EC2::EIP, dimension: public-ipv4-hour, price: 0.005, unit: hour, page: p, read: d, seen: s}
  - {type: AWS::EC2::NatGateway, dimension: bytes, price: 0.045, unit: GB, read: d, seen: s}
  - {type: AWS::EC2::NatGateway, dimension: other, price: 0.045, unit: GB, page: p, read: d}
`), "t.yaml")
	require.Error(t, err)
	for _, want := range []string{"two rows AWS::EC2::NatGateway hour", "type AWS::EC2::EIP is not classified",
		"unit, page and read are required", `class "sometimes"`, "seen"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestRewriteDocs(t *testing.T) {
	page := "intro\n" + DocsBegin + "\nold\n" + DocsEnd + "\nafter\n"
	got, err := RewriteDocs(page, "new\n")
	require.NoError(t, err)
	assert.Equal(t, "intro\n"+DocsBegin+"\nnew\n"+DocsEnd+"\nafter\n", got)
	_, err = RewriteDocs("no marks", "new\n")
	assert.Error(t, err)
}

func TestDiffNamesTheChangedResources(t *testing.T) {
	row := Row{Type: "AWS::EC2::NatGateway", Dimension: "hour", Price: 0.045, Unit: "hour"}
	line := func(path string) Line {
		return Line{Path: path, Type: row.Type, Dimension: "hour", Quantity: 730, UnitPrice: 0.045, Monthly: 32.85, Row: row}
	}
	before := []Report{{Env: "develop", Lines: []Line{line("a")}, Total: 32.85}}
	after := []Report{{Env: "develop", Lines: []Line{line("a"), line("b")}, Total: 65.70}}
	d := diff(before, after)
	require.Len(t, d, 1)
	assert.InDelta(t, 32.85, d[0].After-d[0].Before, 1e-9)
	assert.Equal(t, []Change{{Path: "b", Type: row.Type, Dimension: "hour", Before: 0, After: 32.85}}, d[0].Changes)
	var b strings.Builder
	require.NoError(t, WriteDiff(&b, d))
	assert.True(t, strings.HasPrefix(b.String(), CommentMarker+"\n"))
	assert.Contains(t, b.String(), "| develop | $32.85 | $65.70 | +$32.85 |")
	assert.Contains(t, b.String(), "| `b` | AWS::EC2::NatGateway | hour | $0.00 | $32.85 |")
}
