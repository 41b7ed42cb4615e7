package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
)

// LogRetentionDays are the retention periods CloudWatch Logs accepts.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// prefixListPattern is the shape of a prefix list ID (pl- and 8 or 17 hex digits).
var prefixListPattern = regexp.MustCompile(`^pl-([0-9a-f]{8}|[0-9a-f]{17})$`)

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// logRetentionAllowed is the rule of every CloudWatch Logs retention setting.
var logRetentionAllowed = fmt.Sprintf("must be a CloudWatch Logs retention: one of %v", LogRetentionDays)

var networkRules = rules[Environment]{
	// Only MWAA needs internet egress in the shared VPC: DMS and the secret-rotation Lambdas
	// reach S3 and Secrets Manager through the VPC's endpoints, and Databricks has a VPC of
	// its own. So where MWAA is on it needs a NAT gateway, and where it is off a NAT gateway
	// would bill (about $36 a month with its address) for nothing.
	{Field: "network.natGateways", Allowed: "must be from 1 to the number of availability zones where MWAA is on", check: func(f field, e Environment) {
		if !e.Airflow.Enabled() {
			return
		}
		azCount := len(e.AvailabilityZones)
		f.checkf(e.Network.NATGateways >= 1 && e.Network.NATGateways <= max(azCount, 1), e.Network.NATGateways,
			"must be from 1 to the number of availability zones (%d): MWAA needs internet egress", azCount)
	}},
	{Field: "network.natGateways", Allowed: "must be 0 where MWAA is off (airflow.disabled): nothing else in the shared VPC needs internet egress", check: func(f field, e Environment) {
		f.check(e.Airflow.Enabled() || e.Network.NATGateways == 0, e.Network.NATGateways)
	}},
	{Field: "network.flowLogRetentionDays", Allowed: logRetentionAllowed, check: func(f field, e Environment) {
		f.check(slices.Contains(LogRetentionDays, e.Network.FlowLogRetentionDays), e.Network.FlowLogRetentionDays)
	}},
	{Field: "network.s3PrefixListId", Allowed: "must be the ID of the region's com.amazonaws.<region>.s3 prefix list, such as pl-63a5400a", check: func(f field, e Environment) {
		f.check(prefixListPattern.MatchString(e.Network.S3PrefixListID), e.Network.S3PrefixListID)
	}},
	ipv4BlockRule("network.cidr", 16, 24, func(e Environment) string { return e.Network.CIDR }),
	// The subnets are sized against the VPC's block, so they wait for a valid one.
	only(func(e Environment) bool { _, ok := ipv4Block(e.Network.CIDR, 16, 24); return ok }, rules[Environment]{
		subnetMaskRule("network.publicSubnetMask", func(n Network) int { return n.PublicSubnetMask }),
		subnetMaskRule("network.privateSubnetMask", func(n Network) int { return n.PrivateSubnetMask }),
		subnetMaskRule("network.isolatedSubnetMask", func(n Network) int { return n.IsolatedSubnetMask }),
		{Field: "network.cidr", Allowed: "must hold one subnet per tier and availability zone", check: func(f field, e Environment) {
			n := e.Network
			addresses := 0
			for _, mask := range []int{n.PublicSubnetMask, n.PrivateSubnetMask, n.IsolatedSubnetMask} {
				addresses += len(e.AvailabilityZones) << (32 - mask)
			}
			f.checkf(addresses <= 1<<(32-n.prefix().Bits()), n.CIDR,
				"is too small for one subnet per tier and zone (%d addresses needed): widen it or shrink the subnet masks", addresses)
		}},
	}),
}

// subnetMaskRule checks one tier's prefix length against the VPC's. It stops the rules after
// it, which count the addresses of every tier.
func subnetMaskRule(name string, get func(Network) int) rule[Environment] {
	return rule[Environment]{Field: name, Allowed: "must be from the VPC's prefix length to /28", stop: true, check: func(f field, e Environment) {
		mask, bits := get(e.Network), e.Network.prefix().Bits()
		f.checkf(mask >= bits && mask <= 28, mask, "must be from /%d (the VPC's prefix) to /28", bits)
	}}
}

// prefix is the VPC's block; only rules that run after network.cidr was found valid call it.
func (n Network) prefix() netip.Prefix {
	prefix, _ := netip.ParsePrefix(n.CIDR)
	return prefix
}

// ipv4BlockRule checks, at name, that the value get returns is an RFC 1918 network address
// with a prefix length from minBits to maxBits.
func ipv4BlockRule[T any](name string, minBits, maxBits int, get func(T) string) rule[T] {
	return rule[T]{
		Field:   name,
		Allowed: fmt.Sprintf("must be an RFC 1918 IPv4 network address with a prefix from /%d to /%d, such as 10.10.0.0/16", minBits, maxBits),
		check: func(f field, x T) {
			value := get(x)
			if _, ok := ipv4Block(value, minBits, maxBits); ok {
				return
			}
			// A block with host bits set is the commonest slip: name it and give the fix.
			if prefix, err := netip.ParsePrefix(value); err == nil && prefix.Masked() != prefix {
				if _, ok := ipv4Block(prefix.Masked().String(), minBits, maxBits); ok {
					f.checkf(false, value, "has host bits set: the network address is %s", prefix.Masked())
					return
				}
			}
			f.check(false, value)
		},
	}
}

// ipv4Block parses value and reports whether it is an RFC 1918 network address with a prefix
// length in [minBits, maxBits].
func ipv4Block(value string, minBits, maxBits int) (netip.Prefix, bool) {
	prefix, err := netip.ParsePrefix(value)
	ok := err == nil && prefix.Addr().Is4() && prefix.Bits() >= minBits && prefix.Bits() <= maxBits &&
		prefix.Masked() == prefix && slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool {
		return r.Bits() <= prefix.Bits() && r.Contains(prefix.Addr())
	})
	return prefix, ok
}
