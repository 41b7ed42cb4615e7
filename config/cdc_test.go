package config

import "testing"

func TestInvalidCdc(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"rds instance class on dms", func(e *Environment) { e.Cdc.InstanceClass = "db.t3.medium" },
			[]string{`staging: cdc.instanceClass "db.t3.medium": must be a DMS replication instance class of config.DMSInstanceClasses, such as dms.t3.medium`}},
		{"storage too small", func(e *Environment) { e.Cdc.AllocatedStorageGiB = 4 },
			[]string{`staging: cdc.allocatedStorageGiB 4: must be from 5 to 6144`}},
		{"storage too large", func(e *Environment) { e.Cdc.AllocatedStorageGiB = 7000 },
			[]string{`staging: cdc.allocatedStorageGiB 7000: must be from 5 to 6144`}},
		{"unsupported engine version", func(e *Environment) { e.Cdc.EngineVersion = "3.4.7" },
			[]string{`staging: cdc.engineVersion "3.4.7": must be one of [3.5.4 3.6.1]`}},
		{"multi-az in one zone", func(e *Environment) { e.Cdc.MultiAZ = true; e.AvailabilityZones = []string{"us-east-1a"} },
			[]string{
				`staging: availabilityZones [us-east-1a]: must name 2 to 6 availability zones`,
				`staging: cdc.multiAZ true: needs at least 2 availability zones, not 1`,
			}},
		{"empty table mapping", func(e *Environment) { e.Cdc.Include = nil },
			[]string{`staging: cdc.include []: must select at least one table: a task with no selection rule captures nothing and fails to start`}},
		{"wildcard schema", func(e *Environment) { e.Cdc.Include = []TableSelector{{Schema: "%", Table: "%"}} },
			[]string{`staging: cdc.include[0].schema "%": must name one schema exactly (letters, digits, _ or $; no % wildcard)`}},
		{"empty excluded table", func(e *Environment) { e.Cdc.Exclude = []TableSelector{{Schema: "public", Table: ""}} },
			[]string{`staging: cdc.exclude[0].table "": must be 1-63 letters, digits, _, $ or the wildcard %`}},
		{"repeated selector", func(e *Environment) {
			e.Cdc.Include = []TableSelector{{Schema: "public", Table: "%"}, {Schema: "public", Table: "%"}}
		}, []string{`staging: cdc.include[1] "public.%": must not repeat another selector`}},
		{"timestamp column clashes with op", func(e *Environment) { e.Cdc.TimestampColumnName = "op" },
			[]string{`staging: cdc.timestampColumnName "op": ` + timestampNameAllowed}},
		{"timestamp column clashes with a temporary column", func(e *Environment) { e.Cdc.TimestampColumnName = "_rank" },
			[]string{`staging: cdc.timestampColumnName "_rank": ` + timestampNameAllowed}},
		{"timestamp column clashes with the API day", func(e *Environment) { e.Cdc.TimestampColumnName = "dt" },
			[]string{`staging: cdc.timestampColumnName "dt": ` + timestampNameAllowed}},
		{"log retention", func(e *Environment) { e.Cdc.LogRetentionDays = 0 },
			[]string{`staging: cdc.logRetentionDays 0: must be a CloudWatch Logs retention: one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`}},
	})
}

// timestampNameAllowed is the commit-time column's rule: none of the columns the jobs add.
const timestampNameAllowed = "must be 1-63 lowercase letters, digits or underscores, not starting with a digit, and none of the other columns the jobs add, in any case: " +
	"[Op dms_change_seq _cdc _bronze_file _watermark dt event_date _commit_date source record reason _corrupt_record _n _rank _raw _erased_key _erased_at]"
