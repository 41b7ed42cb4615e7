package config

import (
	"fmt"
	"regexp"
	"slices"
)

// Cdc configures the DMS replication that copies the database into bronze: a full load of
// the selected tables, then their ongoing changes.
type Cdc struct {
	// InstanceClass is the DMS replication instance class, e.g. dms.t3.medium.
	InstanceClass string
	// AllocatedStorageGiB holds the instance's logs and cached changes, 5 to 6144 GiB.
	AllocatedStorageGiB int
	// MultiAZ keeps a standby replication instance in a second availability zone.
	MultiAZ bool
	// EngineVersion is the DMS engine version, one of DmsVersions.
	EngineVersion string
	// TimestampColumnName is the column DMS adds to every row: the commit time of the change
	// (the load time for the full load).
	TimestampColumnName string
	// Include selects the tables to capture; % is a wildcard in table names. At least one.
	Include []TableSelector
	// Exclude removes tables from what Include selected.
	Exclude []TableSelector
	// LogRetentionDays keeps the replication task's CloudWatch logs this long.
	LogRetentionDays int
}

// TableSelector names tables of one schema; Table may use % as a wildcard ("orders_%", "%").
type TableSelector struct {
	// Schema is the PostgreSQL schema, named exactly: a wildcard schema would also capture
	// every schema created later.
	Schema string
	// Table is the table name or a pattern with %.
	Table string
}

// ReplicationTasks is how many DMS tasks read the database: one task, full load and CDC. Each
// holds a replication slot and a WAL sender (see Database.MaxReplicationSlots).
const ReplicationTasks = 1

// DmsVersions are the DMS engine versions the platform is tested with.
var DmsVersions = []string{"3.5.3", "3.5.4", "3.6.1"}

var (
	dmsClassPattern  = regexp.MustCompile(`^dms\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	schemaPattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)
	tablePattern     = regexp.MustCompile(`^[A-Za-z0-9_$%]{1,63}$`)
	dmsColumnPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
)

func (c Cdc) validate(v *validator, azCount int) {
	v.check(dmsClassPattern.MatchString(c.InstanceClass), "cdc.instanceClass", c.InstanceClass,
		"must be a DMS replication instance class such as dms.t3.medium")
	v.check(c.AllocatedStorageGiB >= 5 && c.AllocatedStorageGiB <= 6144, "cdc.allocatedStorageGiB", c.AllocatedStorageGiB,
		"must be from 5 to 6144")
	v.check(!c.MultiAZ || azCount >= 2, "cdc.multiAZ", c.MultiAZ,
		fmt.Sprintf("needs at least 2 availability zones, not %d", azCount))
	v.check(slices.Contains(DmsVersions, c.EngineVersion), "cdc.engineVersion", c.EngineVersion,
		fmt.Sprintf("must be one of %v", DmsVersions))
	v.check(dmsColumnPattern.MatchString(c.TimestampColumnName) && c.TimestampColumnName != "op", "cdc.timestampColumnName", c.TimestampColumnName,
		`must be 1-63 lowercase letters, digits or underscores, not starting with a digit, and not "op" (DMS's operation column)`)
	v.check(len(c.Include) > 0, "cdc.include", c.Include,
		"must select at least one table: a task with no selection rule captures nothing and fails to start")
	validateSelectors(v, "cdc.include", c.Include)
	validateSelectors(v, "cdc.exclude", c.Exclude)
	v.check(slices.Contains(LogRetentionDays, c.LogRetentionDays), "cdc.logRetentionDays", c.LogRetentionDays,
		fmt.Sprintf("must be a CloudWatch Logs retention: one of %v", LogRetentionDays))
}

func validateSelectors(v *validator, field string, selectors []TableSelector) {
	for i, s := range selectors {
		at := fmt.Sprintf("%s[%d]", field, i)
		v.check(schemaPattern.MatchString(s.Schema), at+".schema", s.Schema,
			"must name one schema exactly (letters, digits, _ or $; no % wildcard)")
		v.check(tablePattern.MatchString(s.Table), at+".table", s.Table,
			"must be 1-63 letters, digits, _, $ or the wildcard %")
		v.check(!slices.Contains(selectors[:i], s), at, s.Schema+"."+s.Table, "must not repeat another selector")
	}
}
