package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommittedEnvironmentsAreValid(t *testing.T) {
	require.NoError(t, Validate(All()...))
}

// invalid is one bad configuration and the exact lines Validate must print for it.
type invalid struct {
	name   string
	mutate func(*Environment)
	want   []string
}

// assertInvalid applies each case to a valid environment and compares Validate's lines.
func assertInvalid(t *testing.T, base func() Environment, cases []invalid) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := base()
			c.mutate(&env)
			err := Validate(env)
			require.Error(t, err)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			assert.Equal(t, c.want, got)
			assertReportedByRules(t, errs)
		})
	}
}

func TestInvalidEnvironment(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"account too short", func(e *Environment) { e.Account = "12345" },
			[]string{`staging: account "12345": must be a 12-digit AWS account ID`}},
		{"account with letters", func(e *Environment) { e.Account = "12345678901a" },
			[]string{`staging: account "12345678901a": must be a 12-digit AWS account ID`}},
		{"region typo", func(e *Environment) {
			e.Region = "us-east1"
			e.AvailabilityZones = []string{"us-east1a", "us-east1b"}
			e.Databricks.AvailabilityZones = e.AvailabilityZones
		},
			[]string{`staging: region "us-east1": must be an AWS region CDK knows (config.Regions), such as us-east-1`}},
		{"region of the right shape that does not exist", func(e *Environment) {
			// Before config.Regions, this passed validation and panicked inside a construct.
			e.Region = "us-east-9"
			e.AvailabilityZones = []string{"us-east-9a", "us-east-9b"}
			e.Databricks.AvailabilityZones = e.AvailabilityZones
		},
			[]string{`staging: region "us-east-9": must be an AWS region CDK knows (config.Regions), such as us-east-1`}},
		{"tag value IAM refuses", func(e *Environment) { e.Tags = map[string]string{"owner": "data;team"} },
			[]string{`staging: tags["owner"] "data;team": tag values must be at most 256 letters, digits, spaces or _.:/=+-@ (what IAM accepts)`}},
		{"az outside region", func(e *Environment) { e.AvailabilityZones = []string{"us-east-1a", "eu-west-1b"} },
			[]string{`staging: availabilityZones[1] "eu-west-1b": must be a zone of region us-east-1 (us-east-1a, us-east-1b, ...)`}},
		{"one az", func(e *Environment) { e.AvailabilityZones = []string{"us-east-1a"} },
			[]string{`staging: availabilityZones [us-east-1a]: must name 2 to 6 availability zones`}},
		{"repeated az", func(e *Environment) { e.AvailabilityZones = []string{"us-east-1a", "us-east-1a"} },
			[]string{`staging: availabilityZones[1] "us-east-1a": must not repeat another zone`}},
		{"bad name", func(e *Environment) { e.Name = "Staging-1" },
			[]string{`Staging-1: name "Staging-1": must be 2-16 lowercase letters or digits, starting with a letter`}},
		{"unknown removal", func(e *Environment) { e.Removal = "delete" },
			[]string{`staging: removal "delete": must be "destroy" or "retain"`}},
		{"protected but destroyed", func(e *Environment) {
			e.TerminationProtection = true
			e.GitHub.ReviewedDiffs = true
			e.Removal = RemovalDestroy
		},
			[]string{`staging: removal "destroy": must be "retain" when terminationProtection is on: a protected environment never destroys its data`}},
		{"prefix makes bucket names too long", func(e *Environment) { e.Prefix = "data-platform-lakes1"; e.Name = "stagingeu" },
			[]string{`stagingeu: prefix "data-platform-lakes1": makes bucket name data-platform-lakes1-stagingeu-access-logs-222222222222-us-east-1 65 characters long; S3 allows 63: shorten prefix or name`}},
		{"aws tag", func(e *Environment) { e.Tags = map[string]string{"aws:owner": "x"} },
			[]string{`staging: tags["aws:owner"] "aws:owner": tag keys must be 1-128 letters, digits, spaces or _.:/=+-@ and must not start with aws:`}},
		{"cidr /33", func(e *Environment) { e.Network.CIDR = "10.0.0.0/33" },
			[]string{`staging: network.cidr "10.0.0.0/33": must be an RFC 1918 IPv4 network address with a prefix from /16 to /24, such as 10.10.0.0/16`}},
		{"cidr public", func(e *Environment) { e.Network.CIDR = "8.8.0.0/16" },
			[]string{`staging: network.cidr "8.8.0.0/16": must be an RFC 1918 IPv4 network address with a prefix from /16 to /24, such as 10.10.0.0/16`}},
		{"cidr not a network address", func(e *Environment) { e.Network.CIDR = "10.20.1.0/16" },
			[]string{`staging: network.cidr "10.20.1.0/16": has host bits set: the network address is 10.20.0.0/16`}},
		{"cidr too small for subnets", func(e *Environment) { e.Network.CIDR = "10.20.0.0/21" },
			[]string{`staging: network.privateSubnetMask 20: must be from /21 (the VPC's prefix) to /28`}},
		{"subnets overflow", func(e *Environment) { e.Network.CIDR = "10.20.0.0/19" },
			[]string{`staging: network.cidr "10.20.0.0/19": is too small for one subnet per tier and zone (9216 addresses needed): widen it or shrink the subnet masks`}},
		{"no nat", func(e *Environment) { e.Network.NATGateways = 0 },
			[]string{`staging: network.natGateways 0: must be from 1 to the number of availability zones (2): MWAA needs internet egress`}},
		{"nat without mwaa", func(e *Environment) { e.Airflow.Disabled = true },
			[]string{`staging: network.natGateways 1: must be 0 where MWAA is off (airflow.disabled): nothing else in the shared VPC needs internet egress`}},
		{"flow log retention", func(e *Environment) { e.Network.FlowLogRetentionDays = 10 },
			[]string{`staging: network.flowLogRetentionDays 10: must be a CloudWatch Logs retention: one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`}},
		{"s3 prefix list not an id", func(e *Environment) { e.Network.S3PrefixListID = "com.amazonaws.us-east-1.s3" },
			[]string{`staging: network.s3PrefixListId "com.amazonaws.us-east-1.s3": must be the ID of the region's com.amazonaws.<region>.s3 prefix list, such as pl-63a5400a`}},
		{"infrequent access too early", func(e *Environment) { e.DataLake.Bronze.InfrequentAccessAfterDays = 10 },
			[]string{`staging: dataLake.bronze.infrequentAccessAfterDays 10: must be 0 (off) or at least 30: S3 moves objects to STANDARD_IA after 30 days at the earliest`}},
		{"glacier too soon after IA", func(e *Environment) { e.DataLake.Bronze.GlacierAfterDays = 45 },
			[]string{`staging: dataLake.bronze.glacierAfterDays 45: must be 0 (off) or at least 30 days after infrequentAccessAfterDays (30): STANDARD_IA bills 30 days minimum`}},
		{"expire at glacier age", func(e *Environment) { e.DataLake.Bronze.ExpireAfterDays = 90 },
			[]string{`staging: dataLake.bronze.expireAfterDays 90: must be 0 (keep) or later than every transition (day 90)`}},
		{"archiving what the crawlers and jobs read", func(e *Environment) {
			e.DataLake.Bronze.ArchiveAfterDays, e.DataLake.Bronze.ArchivePrefixes = 60, []string{"rds/public/", "errors/"}
		},
			[]string{
				`staging: dataLake.bronze.archivePrefixes[0] "rds/public/": must end with / and hold nothing a reader reads: Deep Archive hides objects from Athena and Spark`,
				`staging: dataLake.bronze.archivePrefixes[] "errors/": would archive errors/kinesis/orders-events/format-conversion-failed/, which the speed layer reads: Deep Archive hides objects from Spark`,
			}},
		{"archiving a prefix above what readers read", func(e *Environment) {
			e.DataLake.Bronze.ArchiveAfterDays, e.DataLake.Bronze.ArchivePrefixes = 60, []string{"kin"}
		},
			[]string{`staging: dataLake.bronze.archivePrefixes[0] "kin": must end with / and hold nothing a reader reads: Deep Archive hides objects from Athena and Spark`}},
		{"archiving any of silver", func(e *Environment) {
			e.DataLake.Silver.ArchiveAfterDays, e.DataLake.Silver.ArchivePrefixes = 90, []string{"old/"}
		},
			[]string{`staging: dataLake.silver.archivePrefixes[0] "old/": must end with / and hold nothing a reader reads: Deep Archive hides objects from Athena and Spark`}},
		{"archive days without prefixes", func(e *Environment) { e.DataLake.Bronze.ArchiveAfterDays = 90 },
			[]string{`staging: dataLake.bronze.archiveAfterDays 90: must be 0 (off), or positive with archivePrefixes to archive, and before expireAfterDays`}},
		{"access logs kept forever", func(e *Environment) { e.DataLake.AccessLogsExpirationDays = 0 },
			[]string{`staging: dataLake.accessLogsExpirationDays 0: must be at least 1: access logs are never kept forever`}},
	})
}

func TestDuplicateEnvironmentNames(t *testing.T) {
	err := Validate(develop(), develop())
	require.EqualError(t, err, `develop: name "develop": must be unique across environments`)
}

func TestSelect(t *testing.T) {
	all, err := Select(All(), "")
	require.NoError(t, err)
	assert.Len(t, all, 3)
	one, err := Select(All(), "staging")
	require.NoError(t, err)
	assert.Equal(t, "staging", one[0].Name)
	_, err = Select(All(), "prod")
	assert.EqualError(t, err, `unknown environment "prod": valid names are develop, staging, production`)
}

// TestDuplicateNameNamesItsFiles: an environment copied to a new file without renaming it is
// reported with both files.
func TestDuplicateNameNamesItsFiles(t *testing.T) {
	envs := All()
	require.Equal(t, "config/staging.go", envs[1].Source)
	copied := envs[1]
	copied.Source = "config/staging2.go"
	err := Validate(append(envs, copied)...)
	require.EqualError(t, err, `staging: name "staging": must be unique across environments: config/staging.go and config/staging2.go both name it`)
}
