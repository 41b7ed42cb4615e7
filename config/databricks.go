package config

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
)

// Databricks configures the customer-managed VPC, roles and root bucket that a Databricks
// workspace is registered with. When Enabled is false no Databricks stack is created and the
// other fields are neither read nor validated.
type Databricks struct {
	// Enabled creates the Databricks stack for this environment.
	Enabled bool
	// AccountID is the customer's Databricks account ID (a UUID, top right of the account
	// console). It is the cross-account role's sts:ExternalId and the root bucket's
	// aws:PrincipalTag/DatabricksAccountId. The committed all-zero UUID is a placeholder.
	AccountID string `config:"accountId"`
	// CIDR is the workspace VPC's IPv4 block, an RFC 1918 range from /16 to /24 that must not
	// overlap network.cidr. Databricks cannot change it once the network is registered.
	CIDR string
	// AvailabilityZones are the zones of the workspace subnets, one private and one public
	// subnet per zone; Databricks needs at least two.
	AvailabilityZones []string
	// SubnetMask is the prefix length of each private (cluster) subnet: Databricks accepts /17 to /26.
	SubnetMask int
	// PublicSubnetMask is the prefix length of each public subnet, which holds only NAT gateways.
	PublicSubnetMask int
	// NATGateways is how many NAT gateways give the clusters egress (1 to one per zone).
	NATGateways int
	// WorkspaceHost is the workspace's URL, https://<deployment>.cloud.databricks.com: the
	// jobs bundle deploys there. The committed example.cloud.databricks.com is a placeholder.
	WorkspaceHost string
	// DeployServicePrincipal is the application ID (a UUID) of the service principal deploy.yml
	// deploys the jobs bundle as, through GitHub OIDC (a federation policy on the principal).
	DeployServicePrincipal string
	// JobsServicePrincipal is the application ID (a UUID) of the service principal the jobs run
	// as (the bundle's run_as). It is not the deploy principal: that one creates and so owns the
	// Unity Catalog objects, and an owner holds every privilege on them.
	JobsServicePrincipal string
	// AirflowServicePrincipal is the application ID (a UUID) of the service principal in
	// Airflow's Databricks connection (databricks_default, its OAuth client ID): the bundle gives
	// it CAN_MANAGE_RUN on the batch job and nothing else, so bronze_pipeline can find the job by
	// name and run it. It is neither the deploy principal nor the jobs' (which holds the data
	// grants): a run takes the rights of the job's run_as, not of who starts it.
	AirflowServicePrincipal string
	// Runtime is the Databricks Runtime the jobs' clusters pin, one of DatabricksRuntimes.
	Runtime string
	// NodeType is the jobs' cluster node type, one of DatabricksNodeTypes, e.g. m5d.large.
	NodeType string
	// Workers is how many workers a job cluster has (1 to 100).
	Workers int
	// UnityCatalog governs the lake's tables in Unity Catalog: a storage credential and
	// external locations instead of the instance profile's direct access (docs/unity-catalog.md).
	UnityCatalog UnityCatalog
}

// UnityCatalog configures the environment's Unity Catalog set-up. Where Enabled is false the
// jobs reach the lake through the instance profile (Databricks' legacy model).
type UnityCatalog struct {
	// Enabled creates the storage-credential role, and makes the jobs' clusters Unity Catalog
	// clusters that reach the lake through the external locations.
	Enabled bool
	// ExternalID is the storage credential's external ID, which Databricks generates when the
	// credential is created: UnityCatalogPending until then (the role cannot be assumed), then
	// the UUID the set-up command prints.
	ExternalID string `config:"externalId"`
	// Engineers is the workspace group whose members deploy the personal dev target (staging's
	// workspace): the set-up grants it what dev runs need, the reach the instance profile gave
	// before (read bronze, read and write silver, where dev runs write under _dev/). Empty:
	// nobody runs dev jobs against this environment.
	Engineers string
}

// Ready is whether the jobs reach the lake through Unity Catalog: the switch is on and the
// storage credential's external ID is in the role's trust. While it is pending, the clusters
// keep the instance profile's access, so jobs deployed before keep running.
func (u UnityCatalog) Ready() bool { return u.Enabled && u.ExternalID != UnityCatalogPending }

// UnityCatalogPending is the storage credential's external ID before the credential exists:
// the role then trusts only itself, so Databricks cannot assume it yet.
const UnityCatalogPending = "pending"

// UnityCatalogMasterRole is the Databricks role that assumes storage credentials in AWS's
// commercial regions (the only partition config accepts), with sts:ExternalId set to the
// credential's external ID. Source: Databricks, "Create a storage credential for connecting to
// AWS S3" (https://docs.databricks.com/aws/en/connect/unity-catalog/cloud-storage/storage-credentials),
// step 1's trust policy: "Principal": {"AWS": ["arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL", ...]};
// GovCloud has another. The storage-credential role trusts it (stacks), and the Unity Catalog
// set-up checks it against the unity_catalog_iam_arn Databricks reports on the credential.
const UnityCatalogMasterRole = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"

// DatabricksRuntimes are the LTS runtimes the jobs may pin, each with the Apache Spark version
// its release notes list: jobs/pyproject.toml pins that pyspark (a test checks).
var DatabricksRuntimes = map[string]string{"17.3.x-scala2.13": "4.0.0"}

// DatabricksAccountPrincipal is Databricks' own AWS account in the commercial regions, which
// assumes the cross-account role and reads and writes the workspace root bucket. Source:
// Databricks, "Create a cross-account IAM role" and "Create an S3 bucket for workspace
// deployment" (https://docs.databricks.com/aws/en/admin/workspace/create-uc-workspace), whose
// trust and bucket policies name "arn:aws:iam::414351767826:root"; GovCloud has another, and
// config accepts only the commercial partition.
const DatabricksAccountPrincipal = "arn:aws:iam::414351767826:root"

// DatabricksPrincipalPlaceholder is the committed stand-in for a service principal's application ID.
const DatabricksPrincipalPlaceholder = "00000000-0000-0000-0000-000000000000"

// DatabricksJobsPrincipalPlaceholder is the committed stand-in for the jobs' service principal.
const DatabricksJobsPrincipalPlaceholder = "00000000-0000-0000-0000-000000000001"

// DatabricksAirflowPrincipalPlaceholder is the committed stand-in for Airflow's service principal.
const DatabricksAirflowPrincipalPlaceholder = "00000000-0000-0000-0000-000000000002"

// DatabricksHostPlaceholder is the committed stand-in for a real workspace URL.
const DatabricksHostPlaceholder = "https://example.cloud.databricks.com"

var workspaceHostPattern = regexp.MustCompile(`^https://[a-z0-9][a-z0-9-]{0,62}\.cloud\.databricks\.com$`)

// DatabricksAccountPlaceholder is the committed stand-in for a real Databricks account ID.
const DatabricksAccountPlaceholder = "00000000-0000-0000-0000-000000000000"

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// groupPattern is a workspace group's display name as the set-up accepts it.
var groupPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$`)

// databricksRules check nothing while Databricks is off: its settings are not read then.
var databricksRules = rules[Environment]{
	only(func(e Environment) bool { return e.Databricks.Enabled }, slices.Concat(
		rules[Environment]{
			{Field: "databricks.accountId", Allowed: "must be the Databricks account ID, a lowercase UUID such as " + DatabricksAccountPlaceholder,
				check: func(f field, e Environment) {
					f.check(uuidPattern.MatchString(e.Databricks.AccountID), e.Databricks.AccountID)
				}},
		},
		rules[Environment]{
			{Field: "databricks.workspaceHost", Allowed: "must be the workspace URL, https://<deployment>.cloud.databricks.com", check: func(f field, e Environment) {
				f.check(workspaceHostPattern.MatchString(e.Databricks.WorkspaceHost), e.Databricks.WorkspaceHost)
			}},
			{Field: "databricks.deployServicePrincipal", Allowed: "must be a service principal's application ID, a lowercase UUID", check: func(f field, e Environment) {
				f.check(uuidPattern.MatchString(e.Databricks.DeployServicePrincipal), e.Databricks.DeployServicePrincipal)
			}},
			{Field: "databricks.jobsServicePrincipal", Allowed: "must be a service principal's application ID, a lowercase UUID, other than databricks.deployServicePrincipal (which owns what the Unity Catalog set-up creates)",
				check: func(f field, e Environment) {
					d := e.Databricks
					f.check(uuidPattern.MatchString(d.JobsServicePrincipal) && d.JobsServicePrincipal != d.DeployServicePrincipal, d.JobsServicePrincipal)
				}},
			{Field: "databricks.airflowServicePrincipal", Allowed: "must be the application ID (a lowercase UUID) of the service principal in Airflow's Databricks connection, " +
				"other than databricks.deployServicePrincipal and databricks.jobsServicePrincipal: it may only run the batch job",
				check: func(f field, e Environment) {
					d := e.Databricks
					f.check(uuidPattern.MatchString(d.AirflowServicePrincipal) &&
						d.AirflowServicePrincipal != d.DeployServicePrincipal && d.AirflowServicePrincipal != d.JobsServicePrincipal, d.AirflowServicePrincipal)
				}},
			{Field: "databricks.runtime", Allowed: fmt.Sprintf("must be one of %v", slices.Sorted(maps.Keys(DatabricksRuntimes))), check: func(f field, e Environment) {
				_, ok := DatabricksRuntimes[e.Databricks.Runtime]
				f.check(ok, e.Databricks.Runtime)
			}},
			{Field: "databricks.nodeType", Allowed: "must be a node type of config.DatabricksNodeTypes (Databricks' AWS instance types with local storage), such as m5d.large",
				check: func(f field, e Environment) {
					f.check(slices.Contains(DatabricksNodeTypes, e.Databricks.NodeType), e.Databricks.NodeType)
				}},
			{Field: "databricks.workers", Allowed: "must be from 1 to 100", check: func(f field, e Environment) {
				f.check(e.Databricks.Workers >= 1 && e.Databricks.Workers <= 100, e.Databricks.Workers)
			}},
			{Field: "databricks.unityCatalog.externalId", Allowed: fmt.Sprintf("must be %q (before the storage credential exists) or the credential's external ID, a lowercase UUID, with unityCatalog on; empty with it off", UnityCatalogPending),
				check: func(f field, e Environment) {
					uc := e.Databricks.UnityCatalog
					if !uc.Enabled {
						f.check(uc.ExternalID == "", uc.ExternalID)
						return
					}
					f.check(uc.ExternalID == UnityCatalogPending || uuidPattern.MatchString(uc.ExternalID), uc.ExternalID)
				}},
			{Field: "databricks.unityCatalog.engineers", Allowed: "must be a workspace group's name (letters, digits, spaces, . _ -) or empty, and empty with unityCatalog off",
				check: func(f field, e Environment) {
					uc := e.Databricks.UnityCatalog
					f.check(uc.Engineers == "" || uc.Enabled && groupPattern.MatchString(uc.Engineers), uc.Engineers)
				}},
		},
		zoneRules("databricks.availabilityZones", func(e Environment) []string { return e.Databricks.AvailabilityZones }),
		rules[Environment]{
			{Field: "databricks.natGateways", Allowed: "must be from 1 to the number of availability zones", check: func(f field, e Environment) {
				d, azCount := e.Databricks, len(e.Databricks.AvailabilityZones)
				f.checkf(d.NATGateways >= 1 && d.NATGateways <= max(azCount, 1), d.NATGateways,
					"must be from 1 to the number of availability zones (%d)", azCount)
			}},
			ipv4BlockRule("databricks.cidr", 16, 24, func(e Environment) string { return e.Databricks.CIDR }),
			// The subnets are sized against the VPC's block, so they wait for a valid one.
			only(func(e Environment) bool { _, ok := ipv4Block(e.Databricks.CIDR, 16, 24); return ok }, databricksSubnetRules),
		},
	)),
}

var databricksSubnetRules = rules[Environment]{
	{Field: "databricks.cidr", Allowed: "must not overlap network.cidr: the workspace VPC is a separate network", check: func(f field, e Environment) {
		shared, err := netip.ParsePrefix(e.Network.CIDR)
		f.checkf(err != nil || !shared.Overlaps(e.Databricks.prefix()), e.Databricks.CIDR,
			"must not overlap network.cidr (%s): the workspace VPC is a separate network", e.Network.CIDR)
	}},
	{Field: "databricks.subnetMask", Allowed: "must be from /17 to /26 (Databricks' range) and longer than the VPC's prefix", check: func(f field, e Environment) {
		d := e.Databricks
		bits := d.prefix().Bits()
		f.checkf(d.privateMaskFits(), d.SubnetMask, "must be from /%d to /26: Databricks accepts /17 to /26 and the VPC is /%d", max(17, bits+1), bits)
	}},
	{Field: "databricks.publicSubnetMask", Allowed: "must be longer than the VPC's prefix, up to /28", check: func(f field, e Environment) {
		d := e.Databricks
		f.checkf(d.publicMaskFits(), d.PublicSubnetMask, "must be from /%d to /28", d.prefix().Bits()+1)
	}},
	{Field: "databricks.cidr", Allowed: "must hold one private and one public subnet per availability zone", check: func(f field, e Environment) {
		d := e.Databricks
		if !d.privateMaskFits() || !d.publicMaskFits() {
			return
		}
		needed := allocatedAddresses(len(d.AvailabilityZones), d.SubnetMask, d.PublicSubnetMask)
		f.checkf(needed <= 1<<(32-d.prefix().Bits()), d.CIDR,
			"is too small for one private and one public subnet per zone (%d addresses needed): widen it or shrink the subnet masks", needed)
	}},
}

// prefix is the workspace VPC's block; only rules that run after databricks.cidr was found
// valid call it.
func (d Databricks) prefix() netip.Prefix {
	prefix, _ := netip.ParsePrefix(d.CIDR)
	return prefix
}

// privateMaskFits reports whether the cluster subnets are within Databricks' /17 to /26 and the VPC.
func (d Databricks) privateMaskFits() bool {
	return d.SubnetMask >= max(17, d.prefix().Bits()+1) && d.SubnetMask <= 26
}

// publicMaskFits reports whether the NAT subnets are within the VPC and at most /28.
func (d Databricks) publicMaskFits() bool {
	return d.PublicSubnetMask > d.prefix().Bits() && d.PublicSubnetMask <= 28
}

// allocatedAddresses is how far into the VPC block CDK allocates subnets: tier after tier, one
// subnet per zone, each aligned on its own size (private first, as the stack declares them).
func allocatedAddresses(zones int, masks ...int) int {
	next := 0
	for _, mask := range masks {
		size := 1 << (32 - mask)
		for range zones {
			next = (next+size-1)/size*size + size
		}
	}
	return next
}
