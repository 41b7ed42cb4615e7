package cost

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// MaxDrift is how far (a fraction) a row's price may be from the Price List's before the weekly
// check fails.
const MaxDrift = 0.05

// PriceListRegion is where the Price List Query API is called, whatever the region priced: it
// answers in us-east-1 (and a few others), for every region.
const PriceListRegion = "us-east-1"

// GetProductsArgs are the arguments of `aws pricing get-products` for a row: its service code,
// and one TERM_MATCH filter per attribute, the table's location among them.
func GetProductsArgs(t *Table, r Row) []string {
	args := []string{"pricing", "get-products", "--region", PriceListRegion, "--output", "json",
		"--service-code", r.Filter["service"], "--filters"}
	filter := maps.Clone(r.Filter)
	delete(filter, "service")
	if _, ok := filter["location"]; !ok {
		filter["location"] = t.Location
	}
	for _, field := range slices.Sorted(maps.Keys(filter)) {
		args = append(args, fmt.Sprintf("Type=TERM_MATCH,Field=%s,Value=%s", field, filter[field]))
	}
	return args
}

// getProducts is the part of GetProducts' answer the check reads: "PriceList: The list of
// products that match your filters. The list contains both the product metadata and the price
// information." Each element is a JSON document (a string), whose terms.OnDemand hold offer
// terms, each with priceDimensions whose pricePerUnit maps a currency to a decimal string
// (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html,
// and https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-an-offer.html).
type getProducts struct {
	PriceList []string
}

type product struct {
	Product struct {
		SKU        string `json:"sku"`
		Attributes map[string]string
	} `json:"product"`
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				Unit         string `json:"unit"`
				Description  string `json:"description"`
				PricePerUnit map[string]string
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

// ListPrice reads the on-demand USD price from GetProducts' answer. It is an error unless the
// filter matched exactly one product. Where the product has tiers (a free tier, volume
// discounts), the highest is the list price of the first paid unit.
func ListPrice(answer []byte) (float64, error) {
	var g getProducts
	if err := json.Unmarshal(answer, &g); err != nil {
		return 0, fmt.Errorf("not a GetProducts answer: %w", err)
	}
	if len(g.PriceList) != 1 {
		return 0, fmt.Errorf("the filter matches %d products, not one", len(g.PriceList))
	}
	var p product
	if err := json.Unmarshal([]byte(g.PriceList[0]), &p); err != nil {
		return 0, fmt.Errorf("a PriceList entry that is not a product: %w", err)
	}
	price, found := 0.0, false
	for _, term := range p.Terms.OnDemand {
		for _, d := range term.PriceDimensions {
			usd, ok := d.PricePerUnit["USD"]
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(usd, 64)
			if err != nil {
				return 0, fmt.Errorf("price %q of %s: %w", usd, p.Product.SKU, err)
			}
			price, found = math.Max(price, v), true
		}
	}
	if !found {
		return 0, fmt.Errorf("product %s has no on-demand USD price", p.Product.SKU)
	}
	return price, nil
}

// Compare checks a row's price against the Price List's: an error naming the row beyond
// MaxDrift.
func Compare(r Row, listPrice float64) error {
	if listPrice == 0 && r.Price == 0 {
		return nil
	}
	drift := math.Abs(r.Price-listPrice) / listPrice
	if listPrice == 0 || drift > MaxDrift {
		return fmt.Errorf("%s: the table says $%g per %s, the Price List $%g (%.0f%% apart, more than %.0f%%): update the row, its page and date",
			r.Name(), r.Price, r.Unit, listPrice, drift*100, MaxDrift*100)
	}
	return nil
}

// CheckRows compares every row with a filter with the Price List, calling fetch with each
// row's `aws` arguments; it returns one problem per row that drifted or could not be read, and
// the rows it could not check (Databricks' own, or without a filter).
func CheckRows(t *Table, fetch func(args []string) ([]byte, error)) (problems, skipped []string) {
	for _, r := range t.Prices {
		if r.Databricks || r.Filter == nil {
			skipped = append(skipped, r.Name())
			continue
		}
		answer, err := fetch(GetProductsArgs(t, r))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: aws pricing get-products: %v", r.Name(), err))
			continue
		}
		price, err := ListPrice(answer)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (filter %v)", r.Name(), err, r.Filter))
			continue
		}
		if err := Compare(r, price); err != nil {
			problems = append(problems, err.Error())
		}
	}
	return problems, skipped
}
