package config

import (
	"fmt"
	"net/netip"
	"slices"
)

// LogRetentionDays are the retention periods CloudWatch Logs accepts.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

func (n Network) validate(v *validator, azCount int) {
	v.check(n.NATGateways >= 1 && n.NATGateways <= max(azCount, 1), "network.natGateways", n.NATGateways,
		fmt.Sprintf("must be from 1 to the number of availability zones (%d)", azCount))
	v.check(slices.Contains(LogRetentionDays, n.FlowLogRetentionDays), "network.flowLogRetentionDays", n.FlowLogRetentionDays,
		fmt.Sprintf("must be a CloudWatch Logs retention: one of %v", LogRetentionDays))

	prefix, ok := validIPv4Block(v, "network.cidr", n.CIDR, 16, 24)
	if !ok {
		return
	}
	masks := map[string]int{
		"network.publicSubnetMask":   n.PublicSubnetMask,
		"network.privateSubnetMask":  n.PrivateSubnetMask,
		"network.isolatedSubnetMask": n.IsolatedSubnetMask,
	}
	addresses := 0
	for _, field := range []string{"network.publicSubnetMask", "network.privateSubnetMask", "network.isolatedSubnetMask"} {
		mask := masks[field]
		if !v.checked(mask >= prefix.Bits() && mask <= 28, field, mask, fmt.Sprintf("must be from /%d (the VPC's prefix) to /28", prefix.Bits())) {
			return
		}
		addresses += azCount << (32 - mask)
	}
	v.check(addresses <= 1<<(32-prefix.Bits()), "network.cidr", n.CIDR,
		fmt.Sprintf("is too small for one subnet per tier and zone (%d addresses needed): widen it or shrink the subnet masks", addresses))
}

// validIPv4Block checks that value is an RFC 1918 network address with a prefix length in [minBits, maxBits].
func validIPv4Block(v *validator, field, value string, minBits, maxBits int) (netip.Prefix, bool) {
	allowed := fmt.Sprintf("must be an RFC 1918 IPv4 network address with a prefix from /%d to /%d, such as 10.10.0.0/16", minBits, maxBits)
	prefix, err := netip.ParsePrefix(value)
	ok := err == nil && prefix.Addr().Is4() && prefix.Bits() >= minBits && prefix.Bits() <= maxBits &&
		prefix.Masked() == prefix && slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool {
		return r.Bits() <= prefix.Bits() && r.Contains(prefix.Addr())
	})
	v.check(ok, field, value, allowed)
	return prefix, ok
}

// checked is check that also reports whether the value was valid.
func (v *validator) checked(ok bool, field string, value any, allowed string) bool {
	v.check(ok, field, value, allowed)
	return ok
}
