package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOIDCConfig(t *testing.T) {
	cases := []struct {
		name               string
		issuer, id, secret string
		enabled            bool
		err                string
	}{
		{"off", "", "", "", false, ""},
		{"google", "https://accounts.google.com", "id", "secret", true, ""},
		{"local provider over http", "http://127.0.0.1:5556/oidc", "id", "secret", true, ""},
		{"localhost over http", "http://localhost:5556", "id", "secret", true, ""},
		{"only the issuer", "https://accounts.google.com", "", "", false, "must be set together"},
		{"no secret", "https://accounts.google.com", "id", "", false, "must be set together"},
		{"plain http", "http://accounts.example.com", "id", "secret", true, "must use https"},
		{"relative", "accounts.google.com", "id", "secret", true, "absolute URL"},
		{"query", "https://accounts.google.com/?x=1", "id", "secret", true, "without credentials, query or fragment"},
		{"fragment", "https://accounts.google.com/#x", "id", "secret", true, "without credentials, query or fragment"},
		{"credentials", "https://u:p@accounts.google.com", "id", "secret", true, "without credentials"},
		{"other scheme", "ftp://accounts.google.com", "id", "secret", true, "must use https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OIDC_ISSUER", tc.issuer)
			t.Setenv("OIDC_CLIENT_ID", tc.id)
			t.Setenv("OIDC_CLIENT_SECRET", tc.secret)
			c, err := Load()
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.enabled, c.OIDC.Enabled())
			require.Equal(t, "Google", c.OIDC.ProviderName, "the default button label")
			require.Equal(t, tc.issuer, c.OIDC.Issuer)
		})
	}
	t.Setenv("OIDC_PROVIDER_NAME", "Okta")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, "Okta", c.OIDC.ProviderName)
	require.NotContains(t, Config{Env: EnvProduction}.Require(RoleWeb).Error(), "OIDC", "production does not require a provider")
}
