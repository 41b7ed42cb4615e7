package config

import (
	"fmt"
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

func (a Analytics) validate(v *validator) {
	v.check(a.ResultsExpirationDays >= 1, "analytics.resultsExpirationDays", a.ResultsExpirationDays,
		"must be at least 1: query results are never kept forever")
	audiences := slices.Clone(Workgroups)
	slices.Sort(audiences)
	keys := make([]string, 0, len(a.Workgroups))
	for k := range a.Workgroups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	v.check(slices.Equal(keys, audiences), "analytics.workgroups", keys, fmt.Sprintf("must configure exactly the workgroups %v", audiences))
	for _, audience := range keys {
		cutoff := a.Workgroups[audience].BytesScannedCutoffPerQuery
		v.check(cutoff >= MinBytesScannedCutoff, fmt.Sprintf("analytics.workgroups[%q].bytesScannedCutoffPerQuery", audience), cutoff,
			fmt.Sprintf("must be at least %d bytes (10 MB), Athena's minimum", MinBytesScannedCutoff))
	}
}

// gigabyte makes the environments' scan limits readable.
const gigabyte = 1024 * 1024 * 1024
