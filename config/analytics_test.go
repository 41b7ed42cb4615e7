package config

import "testing"

func TestInvalidAnalytics(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"results kept forever", func(e *Environment) { e.Analytics.ResultsExpirationDays = 0 },
			[]string{`staging: analytics.resultsExpirationDays 0: must be at least 1: query results are never kept forever`}},
		{"cutoff below 10 MB", func(e *Environment) {
			e.Analytics.Workgroups[WorkgroupAnalysts] = Workgroup{BytesScannedCutoffPerQuery: 10_000_000}
		}, []string{`staging: analytics.workgroups["analysts"].bytesScannedCutoffPerQuery 10000000: must be at least 10485760 bytes (10 MB), Athena's minimum`}},
		{"cutoff unset", func(e *Environment) { e.Analytics.Workgroups[WorkgroupDbt] = Workgroup{} },
			[]string{`staging: analytics.workgroups["dbt"].bytesScannedCutoffPerQuery 0: must be at least 10485760 bytes (10 MB), Athena's minimum`}},
		{"missing workgroup", func(e *Environment) { delete(e.Analytics.Workgroups, WorkgroupDbt) },
			[]string{`staging: analytics.workgroups [analysts]: must configure exactly the workgroups [analysts dbt]`}},
		{"unknown workgroup", func(e *Environment) {
			e.Analytics.Workgroups["finance"] = Workgroup{BytesScannedCutoffPerQuery: MinBytesScannedCutoff}
		}, []string{`staging: analytics.workgroups [analysts dbt finance]: must configure exactly the workgroups [analysts dbt]`}},
		{"exactly 10 MB is fine, 1 byte less is not", func(e *Environment) {
			e.Analytics.Workgroups[WorkgroupAnalysts] = Workgroup{BytesScannedCutoffPerQuery: MinBytesScannedCutoff}
			e.Analytics.Workgroups[WorkgroupDbt] = Workgroup{BytesScannedCutoffPerQuery: MinBytesScannedCutoff - 1}
		}, []string{`staging: analytics.workgroups["dbt"].bytesScannedCutoffPerQuery 10485759: must be at least 10485760 bytes (10 MB), Athena's minimum`}},
		{"results bucket name too long", func(e *Environment) { e.Prefix = "data-platform-lake"; e.Name = "stagingeu" },
			[]string{`stagingeu: prefix "data-platform-lake": makes bucket name data-platform-lake-stagingeu-athena-results-222222222222-us-east-1 66 characters long; S3 allows 63: shorten prefix or name`}},
	})
}
