package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// validateLimits checks the rate limits and the trusted proxies.
func (c Config) validateLimits() []error {
	var errs []error
	for name, v := range map[string]int{"RATE_LIMIT_API_PER_MINUTE": c.RateLimitAPIPerMinute, "RATE_LIMIT_AUTH_PER_15M": c.RateLimitAuthPer15m} {
		switch {
		case v < 0:
			errs = append(errs, fmt.Errorf("%s must not be negative", name))
		case v == 0 && c.Production():
			errs = append(errs, fmt.Errorf("%s must be positive in production", name))
		}
	}
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		var err error
		if strings.Contains(p, "/") {
			_, err = netip.ParsePrefix(p)
		} else {
			_, err = netip.ParseAddr(p)
		}
		if err != nil {
			errs = append(errs, errors.New("TRUSTED_PROXIES: "+p+" is not an IP address or CIDR range"))
		}
	}
	return errs
}
