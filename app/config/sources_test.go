package config

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAllowedPrivatePrefixes(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []netip.Prefix
		err  string
	}{
		{"empty", nil, nil, ""},
		{"ranges and single addresses", []string{" 127.0.0.1/32", "10.20.0.0/16", "192.168.1.7", "fd00::/8", "::ffff:10.1.1.1", ""},
			[]netip.Prefix{
				netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.20.0.0/16"),
				netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8"),
				netip.MustParsePrefix("10.1.1.1/32"),
			}, ""},
		{"host bits are masked", []string{"10.1.2.3/8"}, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, ""},
		{"not an address", []string{"localhost"}, nil, `ALLOWED_PRIVATE_ADDRESSES: "localhost" is not an IP address or CIDR range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{AllowedPrivateAddresses: tt.in}
			got, err := c.AllowedPrivatePrefixes()
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				require.ErrorContains(t, c.validateSources()[0], "localhost")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Empty(t, c.validateSources())
		})
	}
}

func TestLoadSourceSettings(t *testing.T) {
	t.Setenv("SOURCE_FETCH_TIMEOUT", "5s")
	t.Setenv("ALLOWED_PRIVATE_ADDRESSES", "127.0.0.1/32,10.0.0.0/8")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, "5s", c.SourceFetchTimeout.String())
	require.Equal(t, []string{"127.0.0.1/32", "10.0.0.0/8"}, c.AllowedPrivateAddresses)

	t.Setenv("ALLOWED_PRIVATE_ADDRESSES", "nope")
	_, err = Load()
	require.ErrorContains(t, err, "ALLOWED_PRIVATE_ADDRESSES")
}
