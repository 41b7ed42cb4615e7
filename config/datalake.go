package config

var dataLakeRules = rules[Environment]{
	nest(lifecycleRules("dataLake.bronze"), func(e Environment) Lifecycle { return e.DataLake.Bronze }),
	nest(lifecycleRules("dataLake.silver"), func(e Environment) Lifecycle { return e.DataLake.Silver }),
	nest(lifecycleRules("dataLake.gold"), func(e Environment) Lifecycle { return e.DataLake.Gold }),
	{Field: "dataLake.accessLogsExpirationDays", Allowed: "must be at least 1: access logs are never kept forever", check: func(f field, e Environment) {
		f.check(e.DataLake.AccessLogsExpirationDays >= 1, e.DataLake.AccessLogsExpirationDays)
	}},
}

// lifecycleRules check the Lifecycle of the layer at name.
func lifecycleRules(name string) rules[Lifecycle] {
	return rules[Lifecycle]{
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
