package config

import "testing"

func TestInvalidDatabase(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"unsupported engine version", func(e *Environment) { e.Database.EngineVersion = "13.4" },
			[]string{`staging: database.engineVersion "13.4": must be one of [15.15 16.11 17.7]`}},
		{"a version RDS no longer creates", func(e *Environment) { e.Database.EngineVersion = "16.6" },
			[]string{`staging: database.engineVersion "16.6": must be one of [15.15 16.11 17.7]`}},
		{"dms instance class on rds", func(e *Environment) { e.Database.InstanceClass = "dms.t3.medium" },
			[]string{`staging: database.instanceClass "dms.t3.medium": must be an RDS for PostgreSQL instance class of config.RDSInstanceClasses, such as db.t4g.micro`}},
		{"rds instance class with a typo", func(e *Environment) { e.Database.InstanceClass = "db.t4g.mediun" },
			[]string{`staging: database.instanceClass "db.t4g.mediun": must be an RDS for PostgreSQL instance class of config.RDSInstanceClasses, such as db.t4g.micro`}},
		{"storage below gp3 minimum", func(e *Environment) { e.Database.AllocatedStorageGiB = 10; e.Database.MaxAllocatedStorageGiB = 100 },
			[]string{`staging: database.allocatedStorageGiB 10: must be from 20 to 65536 (gp3)`}},
		{"autoscaling limit too close", func(e *Environment) { e.Database.MaxAllocatedStorageGiB = 54 },
			[]string{`staging: database.maxAllocatedStorageGiB 54: must be from 55 (10% above allocatedStorageGiB) to 65536: RDS refuses a smaller autoscaling limit`}},
		{"multi-az in one zone", func(e *Environment) { e.Database.MultiAZ = true; e.AvailabilityZones = []string{"us-east-1a"} },
			[]string{
				`staging: availabilityZones [us-east-1a]: must name 2 to 6 availability zones`,
				`staging: database.multiAZ true: needs at least 2 availability zones, not 1`,
			}},
		{"protected with short backups", func(e *Environment) { e.Database.BackupRetentionDays = 3 },
			[]string{`staging: database.backupRetentionDays 3: must be at least 7 when deletionProtection is on: a protected database is one whose data matters`}},
		{"no backups", func(e *Environment) {
			e.Database.BackupRetentionDays = 0
			e.Database.DeletionProtection = false
			e.Removal = RemovalDestroy
		},
			[]string{`staging: database.backupRetentionDays 0: must be from 1 to 35`}},
		{"retained without deletion protection", func(e *Environment) { e.Database.DeletionProtection = false },
			[]string{`staging: database.deletionProtection false: must be on when removal is "retain": a retained environment's database is deleted by nobody, CloudFormation included`}},
		{"too few replication slots", func(e *Environment) { e.Database.MaxReplicationSlots = 2 },
			[]string{`staging: database.maxReplicationSlots 2: must be at least the DMS task count + 2 (3)`}},
		{"too few wal senders", func(e *Environment) { e.Database.MaxWalSenders = 1 },
			[]string{`staging: database.maxWalSenders 1: must be at least the DMS task count + 2 (3)`}},
		{"reserved database name", func(e *Environment) { e.Database.DatabaseName = "postgres" },
			[]string{`staging: database.databaseName "postgres": must be 1-63 lowercase letters, digits or underscores, start with a letter, and not be a reserved database`}},
		{"unknown log export", func(e *Environment) { e.Database.LogExports = []string{"postgresql", "audit"} },
			[]string{`staging: database.logExports[1] "audit": must be one of [postgresql upgrade], each once`}},
		{"performance insights retention", func(e *Environment) { e.Database.PerformanceInsightsRetentionDays = 30 },
			[]string{`staging: database.performanceInsightsRetentionDays 30: must be 0 (off), 7, a multiple of 31 up to 713, or 731`}},
		{"monitoring interval", func(e *Environment) { e.Database.MonitoringIntervalSeconds = 20 },
			[]string{`staging: database.monitoringIntervalSeconds 20: must be one of [0 1 5 10 15 30 60] (0 is off)`}},
		{"rotation off", func(e *Environment) { e.Database.SecretRotationDays = 0 },
			[]string{`staging: database.secretRotationDays 0: must be from 1 to 365`}},
		{"public client cidr", func(e *Environment) { e.Database.AllowedCIDRs = []string{"0.0.0.0/0"} },
			[]string{`staging: database.allowedCIDRs[0] "0.0.0.0/0": must be an RFC 1918 IPv4 network address with a prefix from /8 to /32, such as 10.10.0.0/16`}},
		{"bad client security group", func(e *Environment) { e.Database.AllowedSecurityGroupIDs = []string{"bastion"} },
			[]string{`staging: database.allowedSecurityGroupIDs[0] "bastion": must be a security group ID such as sg-0123456789abcdef0`}},
		{"prefix with double hyphen", func(e *Environment) { e.Prefix = "data--platform" },
			[]string{`staging: prefix "data--platform": makes identifier data--platform-staging-postgres illegal: RDS and DMS allow at most 63 characters and no two consecutive hyphens`}},
	})
}
