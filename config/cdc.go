package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
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

// DmsVersions are the DMS engine versions the platform accepts. DMS upgrades the instance's
// minor version itself (AutoMinorVersionUpgrade); 3.5.3 left the list because DMS retires
// versions on its own calendar (DMS release notes); versions.yml checks weekly that the
// configured one is still offered.
var DmsVersions = []string{"3.5.4", "3.6.1"}

var (
	schemaPattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)
	tablePattern     = regexp.MustCompile(`^[A-Za-z0-9_$%]{1,63}$`)
	dmsColumnPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
)

var cdcRules = rules[Environment]{
	{Field: "cdc.instanceClass", Allowed: "must be a DMS replication instance class of config.DMSInstanceClasses, such as dms.t3.medium", check: func(f field, e Environment) {
		f.check(slices.Contains(DMSInstanceClasses, e.Cdc.InstanceClass), e.Cdc.InstanceClass)
	}},
	{Field: "cdc.allocatedStorageGiB", Allowed: "must be from 5 to 6144", check: func(f field, e Environment) {
		f.check(e.Cdc.AllocatedStorageGiB >= 5 && e.Cdc.AllocatedStorageGiB <= 6144, e.Cdc.AllocatedStorageGiB)
	}},
	{Field: "cdc.multiAZ", Allowed: "needs at least 2 availability zones", check: func(f field, e Environment) {
		azCount := len(e.AvailabilityZones)
		f.checkf(!e.Cdc.MultiAZ || azCount >= 2, e.Cdc.MultiAZ, "needs at least 2 availability zones, not %d", azCount)
	}},
	{Field: "cdc.engineVersion", Allowed: fmt.Sprintf("must be one of %v", DmsVersions), check: func(f field, e Environment) {
		f.check(slices.Contains(DmsVersions, e.Cdc.EngineVersion), e.Cdc.EngineVersion)
	}},
	// In any case, as Spark and Glue compare names: "OP" would be DMS's operation column twice.
	{Field: "cdc.timestampColumnName",
		Allowed: fmt.Sprintf("must be 1-63 lowercase letters, digits or underscores, not starting with a digit, and none of the other columns the jobs add, in any case: %v",
			fixedReservedColumns()),
		check: func(f field, e Environment) {
			name := e.Cdc.TimestampColumnName
			f.check(dmsColumnPattern.MatchString(name) && !slices.ContainsFunc(fixedReservedColumns(), func(r string) bool { return strings.EqualFold(r, name) }), name)
		}},
	{Field: "cdc.include", Allowed: "must select at least one table: a task with no selection rule captures nothing and fails to start",
		check: func(f field, e Environment) { f.check(len(e.Cdc.Include) > 0, e.Cdc.Include) }},
	each(selectorRules("cdc.include"), func(e Environment) []TableSelector { return e.Cdc.Include }),
	each(selectorRules("cdc.exclude"), func(e Environment) []TableSelector { return e.Cdc.Exclude }),
	{Field: "cdc.logRetentionDays", Allowed: logRetentionAllowed, check: func(f field, e Environment) {
		f.check(slices.Contains(LogRetentionDays, e.Cdc.LogRetentionDays), e.Cdc.LogRetentionDays)
	}},
}

// selectorRules check one TableSelector of the list at name.
func selectorRules(name string) rules[listed[TableSelector]] {
	return rules[listed[TableSelector]]{
		{Field: name + "[].schema", Allowed: "must name one schema exactly (letters, digits, _ or $; no % wildcard)", check: func(f field, s listed[TableSelector]) {
			f.check(schemaPattern.MatchString(s.value.Schema), s.value.Schema)
		}},
		{Field: name + "[].table", Allowed: "must be 1-63 letters, digits, _, $ or the wildcard %", check: func(f field, s listed[TableSelector]) {
			f.check(tablePattern.MatchString(s.value.Table), s.value.Table)
		}},
		{Field: name + "[]", Allowed: "must not repeat another selector", check: func(f field, s listed[TableSelector]) {
			f.check(!slices.Contains(s.earlier, s.value), s.value.Schema+"."+s.value.Table)
		}},
	}
}
