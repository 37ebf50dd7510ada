package apikeys_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apikeys"
)

func TestSpecValidate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	cases := []struct {
		name    string
		spec    apikeys.Spec
		problem string // "" when valid
		scopes  []string
	}{
		{"minimal", apikeys.Spec{Name: " ci ", Scopes: []string{"read"}}, "", []string{"read"}},
		{"both, deduplicated and ordered", apikeys.Spec{Name: "x", Scopes: []string{"write", "read", "write"}}, "", []string{"read", "write"}},
		{"expiry in a day", apikeys.Spec{Name: "x", Scopes: []string{"write"}, ExpiresAt: at(24 * time.Hour)}, "", []string{"write"}},
		{"expiry a year away", apikeys.Spec{Name: "x", Scopes: []string{"read"}, ExpiresAt: at(apikeys.MaxLifetime)}, "", []string{"read"}},
		{"100 characters", apikeys.Spec{Name: strings.Repeat("é", 100), Scopes: []string{"read"}}, "", []string{"read"}},
		{"no name", apikeys.Spec{Name: "  ", Scopes: []string{"read"}}, "Give the key a name.", nil},
		{"101 characters", apikeys.Spec{Name: strings.Repeat("a", 101), Scopes: []string{"read"}}, "at most 100 characters", nil},
		{"control character", apikeys.Spec{Name: "a\x00b", Scopes: []string{"read"}}, "control characters", nil},
		{"no scope", apikeys.Spec{Name: "x"}, "at least one scope", nil},
		{"unknown scope", apikeys.Spec{Name: "x", Scopes: []string{"read", "admin"}}, `Unknown scope "admin"`, nil},
		{"expiry now", apikeys.Spec{Name: "x", Scopes: []string{"read"}, ExpiresAt: at(0)}, "in the future", nil},
		{"expiry past", apikeys.Spec{Name: "x", Scopes: []string{"read"}, ExpiresAt: at(-time.Hour)}, "in the future", nil},
		{"expiry too far", apikeys.Spec{Name: "x", Scopes: []string{"read"}, ExpiresAt: at(apikeys.MaxLifetime + time.Second)}, "at most one year", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.spec.Validate(now)
			if tc.problem != "" {
				require.True(t, apikeys.IsInvalid(err), "%v", err)
				require.Contains(t, err.Error(), tc.problem)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.scopes, got.Scopes)
			require.Equal(t, strings.TrimSpace(tc.spec.Name), got.Name)
		})
	}
}

func TestEffectiveScopes(t *testing.T) {
	require.Equal(t, []string{"read", "write"}, apikeys.Effective(nil), "keys from before scopes keep full access")
	require.True(t, apikeys.Allows(nil, apikeys.ScopeWrite))
	require.False(t, apikeys.Allows([]string{"read"}, apikeys.ScopeWrite))
	require.Equal(t, []string{"read", "write"}, apikeys.ParseScopes(" read, ,write "))
}
