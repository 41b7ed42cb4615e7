package config

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	nodeTypeAllowed         = `must be a node type of config.DatabricksNodeTypes (Databricks' AWS instance types with local storage), such as m5d.large`
	airflowPrincipalAllowed = `must be the application ID (a lowercase UUID) of the service principal in Airflow's Databricks connection, ` +
		`other than databricks.deployServicePrincipal and databricks.jobsServicePrincipal: it may only run the batch job`
)

func TestInvalidDatabricks(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"workspace host without scheme", func(e *Environment) { e.Databricks.WorkspaceHost = "dbc-1234.cloud.databricks.com" },
			[]string{`staging: databricks.workspaceHost "dbc-1234.cloud.databricks.com": must be the workspace URL, https://<deployment>.cloud.databricks.com`}},
		{"workspace host with a path", func(e *Environment) { e.Databricks.WorkspaceHost = "https://dbc-1234.cloud.databricks.com/" },
			[]string{`staging: databricks.workspaceHost "https://dbc-1234.cloud.databricks.com/": must be the workspace URL, https://<deployment>.cloud.databricks.com`}},
		{"deploy principal a name", func(e *Environment) { e.Databricks.DeployServicePrincipal = "deployer" },
			[]string{`staging: databricks.deployServicePrincipal "deployer": must be a service principal's application ID, a lowercase UUID`}},
		{"jobs principal a name", func(e *Environment) { e.Databricks.JobsServicePrincipal = "jobs" },
			[]string{`staging: databricks.jobsServicePrincipal "jobs": must be a service principal's application ID, a lowercase UUID, other than databricks.deployServicePrincipal (which owns what the Unity Catalog set-up creates)`}},
		{"jobs run as the deploy principal", func(e *Environment) { e.Databricks.JobsServicePrincipal = e.Databricks.DeployServicePrincipal },
			[]string{`staging: databricks.jobsServicePrincipal "00000000-0000-0000-0000-000000000000": must be a service principal's application ID, a lowercase UUID, other than databricks.deployServicePrincipal (which owns what the Unity Catalog set-up creates)`}},
		{"external id not a uuid", func(e *Environment) { e.Databricks.UnityCatalog.ExternalID = "ABC" },
			[]string{`staging: databricks.unityCatalog.externalId "ABC": must be "pending" (before the storage credential exists) or the credential's external ID, a lowercase UUID, with unityCatalog on; empty with it off`}},
		{"external id with unity catalog off", func(e *Environment) { e.Databricks.UnityCatalog = UnityCatalog{ExternalID: "pending"} },
			[]string{`staging: databricks.unityCatalog.externalId "pending": must be "pending" (before the storage credential exists) or the credential's external ID, a lowercase UUID, with unityCatalog on; empty with it off`}},
		{"engineers not a group name", func(e *Environment) { e.Databricks.UnityCatalog.Engineers = "data/engineers" },
			[]string{`staging: databricks.unityCatalog.engineers "data/engineers": must be a workspace group's name (letters, digits, spaces, . _ -) or empty, and empty with unityCatalog off`}},
		{"engineers with unity catalog off", func(e *Environment) { e.Databricks.UnityCatalog = UnityCatalog{Engineers: "data-engineers"} },
			[]string{`staging: databricks.unityCatalog.engineers "data-engineers": must be a workspace group's name (letters, digits, spaces, . _ -) or empty, and empty with unityCatalog off`}},
		{"runtime not lts", func(e *Environment) { e.Databricks.Runtime = "17.2.x-scala2.13" },
			[]string{`staging: databricks.runtime "17.2.x-scala2.13": must be one of [17.3.x-scala2.13]`}},
		{"node type", func(e *Environment) { e.Databricks.NodeType = "large" },
			[]string{`staging: databricks.nodeType "large": ` + nodeTypeAllowed}},
		// Both passed the shape check that was here before the list.
		{"node type typo", func(e *Environment) { e.Databricks.NodeType = "m5d.larg" },
			[]string{`staging: databricks.nodeType "m5d.larg": ` + nodeTypeAllowed}},
		{"node type without local storage", func(e *Environment) { e.Databricks.NodeType = "m5.large" },
			[]string{`staging: databricks.nodeType "m5.large": ` + nodeTypeAllowed}},
		{"airflow principal a name", func(e *Environment) { e.Databricks.AirflowServicePrincipal = "airflow" },
			[]string{`staging: databricks.airflowServicePrincipal "airflow": ` + airflowPrincipalAllowed}},
		{"airflow as the jobs principal", func(e *Environment) { e.Databricks.AirflowServicePrincipal = e.Databricks.JobsServicePrincipal },
			[]string{`staging: databricks.airflowServicePrincipal "00000000-0000-0000-0000-000000000001": ` + airflowPrincipalAllowed}},
		{"airflow as the deploy principal", func(e *Environment) { e.Databricks.AirflowServicePrincipal = e.Databricks.DeployServicePrincipal },
			[]string{`staging: databricks.airflowServicePrincipal "00000000-0000-0000-0000-000000000000": ` + airflowPrincipalAllowed}},
		{"no workers", func(e *Environment) { e.Databricks.Workers = 0 },
			[]string{`staging: databricks.workers 0: must be from 1 to 100`}},
		{"account id not a uuid", func(e *Environment) { e.Databricks.AccountID = "1234567890" },
			[]string{`staging: databricks.accountId "1234567890": must be the Databricks account ID, a lowercase UUID such as 00000000-0000-0000-0000-000000000000`}},
		{"account id uppercase", func(e *Environment) { e.Databricks.AccountID = "ABCDEF01-2345-6789-ABCD-EF0123456789" },
			[]string{`staging: databricks.accountId "ABCDEF01-2345-6789-ABCD-EF0123456789": must be the Databricks account ID, a lowercase UUID such as 00000000-0000-0000-0000-000000000000`}},
		{"cidr equals the shared vpc", func(e *Environment) { e.Databricks.CIDR = "10.20.0.0/16" },
			[]string{`staging: databricks.cidr "10.20.0.0/16": must not overlap network.cidr (10.20.0.0/16): the workspace VPC is a separate network`}},
		{"cidr inside the shared vpc", func(e *Environment) { e.Databricks.CIDR = "10.20.128.0/17" },
			[]string{`staging: databricks.cidr "10.20.128.0/17": must not overlap network.cidr (10.20.0.0/16): the workspace VPC is a separate network`}},
		{"cidr public", func(e *Environment) { e.Databricks.CIDR = "100.64.0.0/16" },
			[]string{`staging: databricks.cidr "100.64.0.0/16": must be an RFC 1918 IPv4 network address with a prefix from /16 to /24, such as 10.10.0.0/16`}},
		{"subnet mask too wide for databricks", func(e *Environment) { e.Databricks.SubnetMask = 16 },
			[]string{`staging: databricks.subnetMask 16: must be from /17 to /26: Databricks accepts /17 to /26 and the VPC is /16`}},
		{"subnet mask too narrow for databricks", func(e *Environment) { e.Databricks.SubnetMask = 27 },
			[]string{`staging: databricks.subnetMask 27: must be from /17 to /26: Databricks accepts /17 to /26 and the VPC is /16`}},
		{"subnet mask not inside the vpc", func(e *Environment) { e.Databricks.CIDR = "10.21.0.0/20" },
			[]string{`staging: databricks.subnetMask 20: must be from /21 to /26: Databricks accepts /17 to /26 and the VPC is /20`}},
		{"public subnet mask too small", func(e *Environment) { e.Databricks.PublicSubnetMask = 29 },
			[]string{`staging: databricks.publicSubnetMask 29: must be from /17 to /28`}},
		{"subnets overflow the vpc", func(e *Environment) { e.Databricks.SubnetMask = 17 },
			[]string{`staging: databricks.cidr "10.21.0.0/16": is too small for one private and one public subnet per zone (65568 addresses needed): widen it or shrink the subnet masks`}},
		{"single az", func(e *Environment) { e.Databricks.AvailabilityZones = []string{"us-east-1a"} },
			[]string{`staging: databricks.availabilityZones [us-east-1a]: must name 2 to 6 availability zones`}},
		{"az outside region", func(e *Environment) { e.Databricks.AvailabilityZones = []string{"us-east-1a", "us-west-2b"} },
			[]string{`staging: databricks.availabilityZones[1] "us-west-2b": must be a zone of region us-east-1 (us-east-1a, us-east-1b, ...)`}},
		{"repeated az", func(e *Environment) { e.Databricks.AvailabilityZones = []string{"us-east-1b", "us-east-1b"} },
			[]string{`staging: databricks.availabilityZones[1] "us-east-1b": must not repeat another zone`}},
		{"no nat", func(e *Environment) { e.Databricks.NATGateways = 0 },
			[]string{`staging: databricks.natGateways 0: must be from 1 to the number of availability zones (2)`}},
		{"more nats than zones", func(e *Environment) { e.Databricks.NATGateways = 3 },
			[]string{`staging: databricks.natGateways 3: must be from 1 to the number of availability zones (2)`}},
	})
}

// TestDisabledDatabricksIsNotValidated lets an environment without a workspace leave the
// section empty (and its speed layer off, which runs on Databricks).
func TestDisabledDatabricksIsNotValidated(t *testing.T) {
	env := staging()
	env.Databricks = Databricks{Enabled: false}
	env.Streaming.SpeedLayer = false
	require.NoError(t, Validate(env))
}

// TestDatabricksNodeTypesAreEC2Names: every listed type is <family>.<size>, once, and the
// committed environments' types are listed (TestCommittedEnvironmentsAreValid checks that too).
func TestDatabricksNodeTypesAreEC2Names(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z][a-z0-9]*\.[0-9]*(large|xlarge)$`)
	seen := map[string]bool{}
	for _, n := range DatabricksNodeTypes {
		require.Regexp(t, shape, n)
		require.False(t, seen[n], "%s is listed twice", n)
		seen[n] = true
	}
	require.Contains(t, DatabricksNodeTypes, "m5d.large")
}

func TestAllocatedAddresses(t *testing.T) {
	// Two /20 then two /28: 8192 + 16 addresses, no alignment gap.
	require.Equal(t, 8192+32, allocatedAddresses(2, 20, 28))
	// A /28 first pushes the next /20 to its own boundary.
	require.Equal(t, 4096+4096, allocatedAddresses(1, 28, 20))
}
