package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Database configures the RDS PostgreSQL instance whose changes DMS captures into bronze.
type Database struct {
	// EngineVersion is the full PostgreSQL version, one of PostgresVersions (e.g. "16.11"). RDS
	// upgrades minor versions itself (AutoMinorVersionUpgrade): keep it at or above the version
	// the instance runs, never below (docs/operations.md, "Engine versions").
	EngineVersion string
	// InstanceClass is the RDS instance class, e.g. db.t4g.micro.
	InstanceClass string
	// AllocatedStorageGiB is the initial gp3 storage, 20 to 65536 GiB.
	AllocatedStorageGiB int
	// MaxAllocatedStorageGiB is the storage autoscaling limit: at least 10% above
	// AllocatedStorageGiB (RDS refuses less), at most 65536 GiB.
	MaxAllocatedStorageGiB int
	// MultiAZ keeps a synchronous standby in a second availability zone.
	MultiAZ bool
	// BackupRetentionDays keeps automated backups 1 to 35 days; at least 7 where
	// DeletionProtection is on (an environment whose data matters).
	BackupRetentionDays int
	// DeletionProtection stops anyone, CloudFormation included, from deleting the instance;
	// it must be on where Removal is retain.
	DeletionProtection bool
	// DatabaseName is the database created with the instance and captured by DMS.
	DatabaseName string
	// MaxReplicationSlots and MaxWalSenders size logical replication: each DMS task holds one
	// slot and one WAL sender, and both must leave 2 spare (for a restarted task or an operator).
	MaxReplicationSlots int
	MaxWalSenders       int
	// LogExports are the PostgreSQL logs exported to CloudWatch Logs: "postgresql", "upgrade".
	LogExports []string
	// LogRetentionDays keeps the exported logs this long; a CloudWatch Logs retention value.
	LogRetentionDays int
	// PerformanceInsightsRetentionDays turns Performance Insights on (KMS-encrypted) and keeps
	// its data this long: 0 (off), 7 (free tier), a multiple of 31 up to 713, or 731.
	PerformanceInsightsRetentionDays int
	// MonitoringIntervalSeconds is the enhanced monitoring interval: 0 (off), 1, 5, 10, 15, 30 or 60.
	MonitoringIntervalSeconds int
	// IAMAuthentication lets IAM principals log in with tokens, next to the password.
	IAMAuthentication bool
	// SecretRotationDays rotates the master password (single-user rotation) this often, 1 to 365.
	SecretRotationDays int
	// AllowedCIDRs may reach the database port besides DMS: RFC 1918 blocks (e.g. a VPN).
	AllowedCIDRs []string
	// AllowedSecurityGroupIDs may reach the database port besides DMS (e.g. a bastion's group).
	AllowedSecurityGroupIDs []string
}

// PostgresVersions are the PostgreSQL versions the platform accepts: RDS creates them, and
// DMS 3.5+ reads their logical replication stream. Such a list goes stale by itself: RDS
// stopped creating 14.14-14.17, 15.9-15.12, 16.5-16.8 and 17.1-17.4 on 2026-05-01 and upgrades
// them to 14.20, 15.15, 16.11 and 17.7 or later (RDS notice of end of standard support,
// 2026-05-31); these are those targets.
var PostgresVersions = []string{"15.15", "16.11", "17.7"}

// DatabaseLogTypes are the log types RDS PostgreSQL can export to CloudWatch Logs.
var DatabaseLogTypes = []string{"postgresql", "upgrade"}

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts, 0 being off.
var MonitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

var (
	pgNamePattern          = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	securityGroupIDPattern = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// Major is the major version of EngineVersion ("16" for "16.11").
func (d Database) Major() string {
	major, _, _ := strings.Cut(d.EngineVersion, ".")
	return major
}

// reservedDatabases are the databases RDS PostgreSQL creates for itself.
var reservedDatabases = []string{"postgres", "rdsadmin", "template0", "template1"}

var databaseRules = rules[Environment]{
	{Field: "database.engineVersion", Allowed: fmt.Sprintf("must be one of %v", PostgresVersions), check: func(f field, e Environment) {
		f.check(slices.Contains(PostgresVersions, e.Database.EngineVersion), e.Database.EngineVersion)
	}},
	{Field: "database.instanceClass", Allowed: "must be an RDS for PostgreSQL instance class of config.RDSInstanceClasses, such as db.t4g.micro", check: func(f field, e Environment) {
		f.check(slices.Contains(RDSInstanceClasses, e.Database.InstanceClass), e.Database.InstanceClass)
	}},
	{Field: "database.allocatedStorageGiB", Allowed: "must be from 20 to 65536 (gp3)", check: func(f field, e Environment) {
		f.check(e.Database.AllocatedStorageGiB >= 20 && e.Database.AllocatedStorageGiB <= 65536, e.Database.AllocatedStorageGiB)
	}},
	{Field: "database.maxAllocatedStorageGiB", Allowed: "must be from 10% above allocatedStorageGiB to 65536: RDS refuses a smaller autoscaling limit",
		check: func(f field, e Environment) {
			d := e.Database
			least := d.AllocatedStorageGiB + (d.AllocatedStorageGiB+9)/10
			f.checkf(d.MaxAllocatedStorageGiB >= least && d.MaxAllocatedStorageGiB <= 65536, d.MaxAllocatedStorageGiB,
				"must be from %d (10%% above allocatedStorageGiB) to 65536: RDS refuses a smaller autoscaling limit", least)
		}},
	{Field: "database.multiAZ", Allowed: "needs at least 2 availability zones", check: func(f field, e Environment) {
		azCount := len(e.AvailabilityZones)
		f.checkf(!e.Database.MultiAZ || azCount >= 2, e.Database.MultiAZ, "needs at least 2 availability zones, not %d", azCount)
	}},
	{Field: "database.backupRetentionDays", Allowed: "must be from 1 to 35", check: func(f field, e Environment) {
		f.check(e.Database.BackupRetentionDays >= 1 && e.Database.BackupRetentionDays <= 35, e.Database.BackupRetentionDays)
	}},
	{Field: "database.backupRetentionDays", Allowed: "must be at least 7 when deletionProtection is on: a protected database is one whose data matters",
		check: func(f field, e Environment) {
			f.check(!e.Database.DeletionProtection || e.Database.BackupRetentionDays >= 7, e.Database.BackupRetentionDays)
		}},
	{Field: "database.deletionProtection",
		Allowed: `must be on when removal is "retain": a retained environment's database is deleted by nobody, CloudFormation included`,
		check: func(f field, e Environment) {
			f.check(e.Removal != RemovalRetain || e.Database.DeletionProtection, e.Database.DeletionProtection)
		}},
	{Field: "database.databaseName", Allowed: "must be 1-63 lowercase letters, digits or underscores, start with a letter, and not be a reserved database",
		check: func(f field, e Environment) {
			name := e.Database.DatabaseName
			f.check(pgNamePattern.MatchString(name) && !slices.Contains(reservedDatabases, name), name)
		}},
	{Field: "database.maxReplicationSlots", Allowed: "must be at least the DMS task count + 2", check: func(f field, e Environment) {
		need := ReplicationTasks + 2
		f.checkf(e.Database.MaxReplicationSlots >= need, e.Database.MaxReplicationSlots, "must be at least the DMS task count + 2 (%d)", need)
	}},
	{Field: "database.maxWalSenders", Allowed: "must be at least the DMS task count + 2", check: func(f field, e Environment) {
		need := ReplicationTasks + 2
		f.checkf(e.Database.MaxWalSenders >= need, e.Database.MaxWalSenders, "must be at least the DMS task count + 2 (%d)", need)
	}},
	each(rules[listed[string]]{
		{Field: "database.logExports[]", Allowed: fmt.Sprintf("must be one of %v, each once", DatabaseLogTypes), check: func(f field, t listed[string]) {
			f.check(slices.Contains(DatabaseLogTypes, t.value) && !slices.Contains(t.earlier, t.value), t.value)
		}},
	}, func(e Environment) []string { return e.Database.LogExports }),
	{Field: "database.logRetentionDays", Allowed: logRetentionAllowed, check: func(f field, e Environment) {
		f.check(slices.Contains(LogRetentionDays, e.Database.LogRetentionDays), e.Database.LogRetentionDays)
	}},
	{Field: "database.performanceInsightsRetentionDays", Allowed: "must be 0 (off), 7, a multiple of 31 up to 713, or 731", check: func(f field, e Environment) {
		pi := e.Database.PerformanceInsightsRetentionDays
		f.check(pi == 0 || pi == 7 || pi == 731 || (pi%31 == 0 && pi >= 31 && pi <= 713), pi)
	}},
	{Field: "database.monitoringIntervalSeconds", Allowed: fmt.Sprintf("must be one of %v (0 is off)", MonitoringIntervals), check: func(f field, e Environment) {
		f.check(slices.Contains(MonitoringIntervals, e.Database.MonitoringIntervalSeconds), e.Database.MonitoringIntervalSeconds)
	}},
	{Field: "database.secretRotationDays", Allowed: "must be from 1 to 365", check: func(f field, e Environment) {
		f.check(e.Database.SecretRotationDays >= 1 && e.Database.SecretRotationDays <= 365, e.Database.SecretRotationDays)
	}},
	each(rules[listed[string]]{
		ipv4BlockRule("database.allowedCIDRs[]", 8, 32, func(c listed[string]) string { return c.value }),
	}, func(e Environment) []string { return e.Database.AllowedCIDRs }),
	each(rules[listed[string]]{
		{Field: "database.allowedSecurityGroupIDs[]", Allowed: "must be a security group ID such as sg-0123456789abcdef0", check: func(f field, id listed[string]) {
			f.check(securityGroupIDPattern.MatchString(id.value), id.value)
		}},
	}, func(e Environment) []string { return e.Database.AllowedSecurityGroupIDs }),
}
