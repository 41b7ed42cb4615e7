package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Database configures the RDS PostgreSQL instance whose changes DMS captures into bronze.
type Database struct {
	// EngineVersion is the full PostgreSQL version, one of PostgresVersions (e.g. "16.6").
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

// PostgresVersions are the engine versions the platform is tested with: RDS offers them,
// DMS 3.5+ reads their logical replication stream, and CDK names them.
var PostgresVersions = []string{"15.10", "15.12", "16.6", "16.8", "17.2", "17.4"}

// DatabaseLogTypes are the log types RDS PostgreSQL can export to CloudWatch Logs.
var DatabaseLogTypes = []string{"postgresql", "upgrade"}

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts, 0 being off.
var MonitoringIntervals = []int{0, 1, 5, 10, 15, 30, 60}

var (
	rdsClassPattern        = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	pgNamePattern          = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	securityGroupIDPattern = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// Major is the major version of EngineVersion ("16" for "16.6").
func (d Database) Major() string {
	major, _, _ := strings.Cut(d.EngineVersion, ".")
	return major
}

func (d Database) validate(v *validator, removal Removal, azCount, tasks int) {
	v.check(slices.Contains(PostgresVersions, d.EngineVersion), "database.engineVersion", d.EngineVersion,
		fmt.Sprintf("must be one of %v", PostgresVersions))
	v.check(rdsClassPattern.MatchString(d.InstanceClass), "database.instanceClass", d.InstanceClass,
		"must be an RDS instance class such as db.t4g.micro")
	v.check(d.AllocatedStorageGiB >= 20 && d.AllocatedStorageGiB <= 65536, "database.allocatedStorageGiB", d.AllocatedStorageGiB,
		"must be from 20 to 65536 (gp3)")
	least := d.AllocatedStorageGiB + (d.AllocatedStorageGiB+9)/10
	v.check(d.MaxAllocatedStorageGiB >= least && d.MaxAllocatedStorageGiB <= 65536, "database.maxAllocatedStorageGiB", d.MaxAllocatedStorageGiB,
		fmt.Sprintf("must be from %d (10%% above allocatedStorageGiB) to 65536: RDS refuses a smaller autoscaling limit", least))
	v.check(!d.MultiAZ || azCount >= 2, "database.multiAZ", d.MultiAZ,
		fmt.Sprintf("needs at least 2 availability zones, not %d", azCount))
	v.check(d.BackupRetentionDays >= 1 && d.BackupRetentionDays <= 35, "database.backupRetentionDays", d.BackupRetentionDays,
		"must be from 1 to 35")
	v.check(!d.DeletionProtection || d.BackupRetentionDays >= 7, "database.backupRetentionDays", d.BackupRetentionDays,
		"must be at least 7 when deletionProtection is on: a protected database is one whose data matters")
	v.check(removal != RemovalRetain || d.DeletionProtection, "database.deletionProtection", d.DeletionProtection,
		`must be on when removal is "retain": a retained environment's database is deleted by nobody, CloudFormation included`)
	v.check(pgNamePattern.MatchString(d.DatabaseName) && !slices.Contains([]string{"postgres", "rdsadmin", "template0", "template1"}, d.DatabaseName),
		"database.databaseName", d.DatabaseName, "must be 1-63 lowercase letters, digits or underscores, start with a letter, and not be a reserved database")
	need := tasks + 2
	v.check(d.MaxReplicationSlots >= need, "database.maxReplicationSlots", d.MaxReplicationSlots,
		fmt.Sprintf("must be at least the DMS task count + 2 (%d)", need))
	v.check(d.MaxWalSenders >= need, "database.maxWalSenders", d.MaxWalSenders,
		fmt.Sprintf("must be at least the DMS task count + 2 (%d)", need))
	for i, t := range d.LogExports {
		v.check(slices.Contains(DatabaseLogTypes, t) && !slices.Contains(d.LogExports[:i], t), fmt.Sprintf("database.logExports[%d]", i), t,
			fmt.Sprintf("must be one of %v, each once", DatabaseLogTypes))
	}
	v.check(slices.Contains(LogRetentionDays, d.LogRetentionDays), "database.logRetentionDays", d.LogRetentionDays,
		fmt.Sprintf("must be a CloudWatch Logs retention: one of %v", LogRetentionDays))
	pi := d.PerformanceInsightsRetentionDays
	v.check(pi == 0 || pi == 7 || pi == 731 || (pi%31 == 0 && pi >= 31 && pi <= 713), "database.performanceInsightsRetentionDays", pi,
		"must be 0 (off), 7, a multiple of 31 up to 713, or 731")
	v.check(slices.Contains(MonitoringIntervals, d.MonitoringIntervalSeconds), "database.monitoringIntervalSeconds", d.MonitoringIntervalSeconds,
		fmt.Sprintf("must be one of %v (0 is off)", MonitoringIntervals))
	v.check(d.SecretRotationDays >= 1 && d.SecretRotationDays <= 365, "database.secretRotationDays", d.SecretRotationDays,
		"must be from 1 to 365")
	for i, cidr := range d.AllowedCIDRs {
		validIPv4Block(v, fmt.Sprintf("database.allowedCIDRs[%d]", i), cidr, 8, 32)
	}
	for i, id := range d.AllowedSecurityGroupIDs {
		v.check(securityGroupIDPattern.MatchString(id), fmt.Sprintf("database.allowedSecurityGroupIDs[%d]", i), id,
			"must be a security group ID such as sg-0123456789abcdef0")
	}
}
