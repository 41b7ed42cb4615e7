package config

import (
	"fmt"
	"net/netip"
	"regexp"
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
	AccountID string
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
}

// DatabricksAccountPlaceholder is the committed stand-in for a real Databricks account ID.
const DatabricksAccountPlaceholder = "00000000-0000-0000-0000-000000000000"

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (d Databricks) validate(v *validator, region, sharedCIDR string) {
	if !d.Enabled {
		return
	}
	v.check(uuidPattern.MatchString(d.AccountID), "databricks.accountId", d.AccountID,
		"must be the Databricks account ID, a lowercase UUID such as "+DatabricksAccountPlaceholder)
	validateZones(v, "databricks.availabilityZones", region, d.AvailabilityZones)
	azCount := len(d.AvailabilityZones)
	v.check(d.NATGateways >= 1 && d.NATGateways <= max(azCount, 1), "databricks.natGateways", d.NATGateways,
		fmt.Sprintf("must be from 1 to the number of availability zones (%d)", azCount))

	prefix, ok := validIPv4Block(v, "databricks.cidr", d.CIDR, 16, 24)
	if !ok {
		return
	}
	if shared, err := netip.ParsePrefix(sharedCIDR); err == nil && shared.Overlaps(prefix) {
		v.check(false, "databricks.cidr", d.CIDR,
			fmt.Sprintf("must not overlap network.cidr (%s): the workspace VPC is a separate network", sharedCIDR))
	}
	okPrivate := v.checked(d.SubnetMask >= max(17, prefix.Bits()+1) && d.SubnetMask <= 26, "databricks.subnetMask", d.SubnetMask,
		fmt.Sprintf("must be from /%d to /26: Databricks accepts /17 to /26 and the VPC is /%d", max(17, prefix.Bits()+1), prefix.Bits()))
	okPublic := v.checked(d.PublicSubnetMask > prefix.Bits() && d.PublicSubnetMask <= 28, "databricks.publicSubnetMask", d.PublicSubnetMask,
		fmt.Sprintf("must be from /%d to /28", prefix.Bits()+1))
	if !okPrivate || !okPublic {
		return
	}
	needed := allocatedAddresses(azCount, d.SubnetMask, d.PublicSubnetMask)
	v.check(needed <= 1<<(32-prefix.Bits()), "databricks.cidr", d.CIDR,
		fmt.Sprintf("is too small for one private and one public subnet per zone (%d addresses needed): widen it or shrink the subnet masks", needed))
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
