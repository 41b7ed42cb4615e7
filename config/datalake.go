package config

import (
	"slices"
	"strings"
)

// BronzeReadPrefixes are the bronze prefixes readers read (the crawlers, Athena, the jobs):
// no lifecycle may archive them out of reach.
var BronzeReadPrefixes = []string{BronzeRDSPrefix, BronzeKinesisRoot, BronzeAPIRoot}

var dataLakeRules = rules[Environment]{
	nest(lifecycleRules("dataLake.bronze", BronzeReadPrefixes), func(e Environment) Lifecycle { return e.DataLake.Bronze }),
	// Silver and gold are read whole ("" is every key).
	nest(lifecycleRules("dataLake.silver", []string{""}), func(e Environment) Lifecycle { return e.DataLake.Silver }),
	nest(lifecycleRules("dataLake.gold", []string{""}), func(e Environment) Lifecycle { return e.DataLake.Gold }),
	// The speed layer reads a Parquet stream's conversion errors under errors/: not archivable.
	{Field: "dataLake.bronze.archivePrefixes[]", Allowed: "must not hold the conversion errors the speed layer reads (errors/kinesis/<stream>/format-conversion-failed/)",
		check: func(f field, e Environment) {
			for _, p := range e.DataLake.Bronze.ArchivePrefixes {
				for _, s := range e.SpeedStreams() {
					read := BronzeKinesisConversionErrorsPrefix(s.Name)
					if s.Format == FormatParquet && (strings.HasPrefix(read, p) || strings.HasPrefix(p, read)) {
						f.checkf(false, p, "would archive %s, which the speed layer reads: Deep Archive hides objects from Spark", read)
						return
					}
				}
			}
		}},
	{Field: "dataLake.accessLogsExpirationDays", Allowed: "must be at least 1: access logs are never kept forever", check: func(f field, e Environment) {
		f.check(e.DataLake.AccessLogsExpirationDays >= 1, e.DataLake.AccessLogsExpirationDays)
	}},
}

// lifecycleRules check the Lifecycle of the layer at name, whose readers read read.
func lifecycleRules(name string, read []string) rules[Lifecycle] {
	return rules[Lifecycle]{
		{Field: name + ".archiveAfterDays", Allowed: "must be 0 (off), or positive with archivePrefixes to archive, and before expireAfterDays",
			check: func(f field, l Lifecycle) {
				f.check(l.ArchiveAfterDays == 0 && len(l.ArchivePrefixes) == 0 ||
					l.ArchiveAfterDays > 0 && len(l.ArchivePrefixes) > 0 && (l.ExpireAfterDays == 0 || l.ExpireAfterDays > l.ArchiveAfterDays), l.ArchiveAfterDays)
			}},
		each(rules[listed[string]]{
			{Field: name + ".archivePrefixes[]", Allowed: "must end with / and hold nothing a reader reads: Deep Archive hides objects from Athena and Spark",
				check: func(f field, p listed[string]) {
					hides := slices.ContainsFunc(read, func(r string) bool { return strings.HasPrefix(p.value, r) || strings.HasPrefix(r, p.value) })
					f.check(strings.HasSuffix(p.value, "/") && !hides, p.value)
				}},
		}, func(l Lifecycle) []string { return l.ArchivePrefixes }),
		{Field: name + ".infrequentAccessAfterDays", Allowed: "must be 0 (off) or at least 30: S3 moves objects to STANDARD_IA after 30 days at the earliest",
			check: func(f field, l Lifecycle) {
				f.check(l.InfrequentAccessAfterDays == 0 || l.InfrequentAccessAfterDays >= 30, l.InfrequentAccessAfterDays)
			}},
		{Field: name + ".glacierAfterDays", Allowed: "must be 0 (off) or positive", check: func(f field, l Lifecycle) {
			f.check(l.GlacierAfterDays >= 0, l.GlacierAfterDays)
		}},
		{Field: name + ".glacierAfterDays", Allowed: "must be 0 (off) or at least 30 days after infrequentAccessAfterDays: STANDARD_IA bills 30 days minimum",
			check: func(f field, l Lifecycle) {
				ia, glacier := l.InfrequentAccessAfterDays, l.GlacierAfterDays
				f.checkf(ia == 0 || glacier == 0 || glacier >= ia+30, glacier,
					"must be 0 (off) or at least 30 days after infrequentAccessAfterDays (%d): STANDARD_IA bills 30 days minimum", ia)
			}},
		{Field: name + ".expireAfterDays", Allowed: "must be 0 (keep) or later than every transition", check: func(f field, l Lifecycle) {
			last := max(l.InfrequentAccessAfterDays, l.GlacierAfterDays)
			f.checkf(l.ExpireAfterDays == 0 || l.ExpireAfterDays > last, l.ExpireAfterDays, "must be 0 (keep) or later than every transition (day %d)", last)
		}},
		{Field: name + ".noncurrentVersionExpirationDays", Allowed: "must be 0 (keep) or positive", check: func(f field, l Lifecycle) {
			f.check(l.NoncurrentVersionExpirationDays >= 0, l.NoncurrentVersionExpirationDays)
		}},
	}
}
