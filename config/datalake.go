package config

import "fmt"

func (d DataLake) validate(v *validator) {
	d.Bronze.validate(v, "dataLake.bronze")
	d.Silver.validate(v, "dataLake.silver")
	d.Gold.validate(v, "dataLake.gold")
	v.check(d.AccessLogsExpirationDays >= 1, "dataLake.accessLogsExpirationDays", d.AccessLogsExpirationDays,
		"must be at least 1: access logs are never kept forever")
}

func (l Lifecycle) validate(v *validator, field string) {
	ia, glacier, expire := l.InfrequentAccessAfterDays, l.GlacierAfterDays, l.ExpireAfterDays
	v.check(ia == 0 || ia >= 30, field+".infrequentAccessAfterDays", ia,
		"must be 0 (off) or at least 30: S3 moves objects to STANDARD_IA after 30 days at the earliest")
	v.check(glacier >= 0, field+".glacierAfterDays", glacier, "must be 0 (off) or positive")
	v.check(ia == 0 || glacier == 0 || glacier >= ia+30, field+".glacierAfterDays", glacier,
		fmt.Sprintf("must be 0 (off) or at least 30 days after infrequentAccessAfterDays (%d): STANDARD_IA bills 30 days minimum", ia))
	last := max(ia, glacier)
	v.check(expire == 0 || expire > last, field+".expireAfterDays", expire,
		fmt.Sprintf("must be 0 (keep) or later than every transition (day %d)", last))
	v.check(l.NoncurrentVersionExpirationDays >= 0, field+".noncurrentVersionExpirationDays", l.NoncurrentVersionExpirationDays,
		"must be 0 (keep) or positive")
}
