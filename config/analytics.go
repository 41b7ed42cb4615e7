package config

import (
	"fmt"
	"maps"
	"slices"
)

// MinBytesScannedCutoff is the smallest per-query scan limit Athena accepts: 10 MB.
const MinBytesScannedCutoff = 10 * 1024 * 1024

// Analytics configures Athena over the catalog: the workgroups and their results bucket.
type Analytics struct {
	// ResultsExpirationDays deletes query results from the results bucket after this many days.
	ResultsExpirationDays int
	// Workgroups configures every Athena workgroup (Workgroups), keyed by audience.
	Workgroups map[string]Workgroup
}

// Workgroup is one Athena workgroup. Engine version 3, enforced workgroup settings,
// KMS-encrypted results and CloudWatch metrics are not settings: every workgroup has them.
type Workgroup struct {
	// BytesScannedCutoffPerQuery cancels any query that scans more than this many bytes
	// (at least MinBytesScannedCutoff); it caps what one query can cost.
	BytesScannedCutoffPerQuery int
}

var analyticsRules = rules[Environment]{
	{Field: "analytics.resultsExpirationDays", Allowed: "must be at least 1: query results are never kept forever", check: func(f field, e Environment) {
		f.check(e.Analytics.ResultsExpirationDays >= 1, e.Analytics.ResultsExpirationDays)
	}},
	{Field: "analytics.workgroups", Allowed: fmt.Sprintf("must configure exactly the workgroups %v", slices.Sorted(slices.Values(Workgroups))),
		check: func(f field, e Environment) {
			audiences := slices.Sorted(maps.Keys(e.Analytics.Workgroups))
			f.check(slices.Equal(audiences, slices.Sorted(slices.Values(Workgroups))), audiences)
		}},
	eachKey(rules[keyed[Workgroup]]{
		{Field: "analytics.workgroups[].bytesScannedCutoffPerQuery", Allowed: fmt.Sprintf("must be at least %d bytes (10 MB), Athena's minimum", MinBytesScannedCutoff),
			check: func(f field, w keyed[Workgroup]) {
				f.check(w.value.BytesScannedCutoffPerQuery >= MinBytesScannedCutoff, w.value.BytesScannedCutoffPerQuery)
			}},
	}, func(e Environment) map[string]Workgroup { return e.Analytics.Workgroups }),
}

// gigabyte makes the environments' scan limits readable.
const gigabyte = 1024 * 1024 * 1024
