package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRateLimitDefaultsAndProxies(t *testing.T) {
	t.Setenv("APP_ENV", "")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, 100, c.RateLimitAPIPerMinute)
	require.Equal(t, 10, c.RateLimitAuthPer15m)
	require.Empty(t, c.TrustedProxies)

	t.Setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,2001:db8::/32")
	t.Setenv("RATE_LIMIT_API_PER_MINUTE", "250")
	t.Setenv("RATE_LIMIT_AUTH_PER_15M", "5")
	c, err = Load()
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8", " 192.0.2.7", "2001:db8::/32"}, c.TrustedProxies)
	require.Equal(t, 250, c.RateLimitAPIPerMinute)
	require.Equal(t, 5, c.RateLimitAuthPer15m)
}

func TestValidateRateLimits(t *testing.T) {
	dev := Config{Env: EnvDevelopment, MaxUploadBytes: 1, ChunkRows: 1}
	prod := dev
	prod.Env = EnvProduction
	prod.RateLimitAPIPerMinute, prod.RateLimitAuthPer15m = 100, 10
	cases := []struct {
		name string
		base Config
		mod  func(*Config)
		want string // empty: valid
	}{
		{"off in development", dev, func(c *Config) {}, ""},
		{"negative api", dev, func(c *Config) { c.RateLimitAPIPerMinute = -1 }, "RATE_LIMIT_API_PER_MINUTE must not be negative"},
		{"negative auth", dev, func(c *Config) { c.RateLimitAuthPer15m = -5 }, "RATE_LIMIT_AUTH_PER_15M must not be negative"},
		{"set in production", prod, func(c *Config) {}, ""},
		{"api off in production", prod, func(c *Config) { c.RateLimitAPIPerMinute = 0 }, "RATE_LIMIT_API_PER_MINUTE must be positive in production"},
		{"auth off in production", prod, func(c *Config) { c.RateLimitAuthPer15m = 0 }, "RATE_LIMIT_AUTH_PER_15M must be positive in production"},
		{"proxies", dev, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", " 192.0.2.7 ", "::1", ""} }, ""},
		{"bad proxy", dev, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "proxy.internal"} }, "TRUSTED_PROXIES: proxy.internal"},
		{"bad range", dev, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/40"} }, "TRUSTED_PROXIES: 10.0.0.0/40"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.base
			tc.mod(&c)
			err := c.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}
