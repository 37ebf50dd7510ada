package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// AllowedPrivatePrefixes parses AllowedPrivateAddresses; a single IP is a range of one.
func (c Config) AllowedPrivatePrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, raw := range c.AllowedPrivateAddresses {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if p, err := netip.ParsePrefix(raw); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(raw)
		if err != nil {
			return nil, fmt.Errorf("ALLOWED_PRIVATE_ADDRESSES: %q is not an IP address or CIDR range", raw)
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}

func (c Config) validateSources() []error {
	var errs []error
	if c.SourceFetchTimeout < 0 {
		errs = append(errs, errors.New("SOURCE_FETCH_TIMEOUT must not be negative"))
	}
	if _, err := c.AllowedPrivatePrefixes(); err != nil {
		errs = append(errs, err)
	}
	return errs
}
