package auth

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServiceTokens(t *testing.T) {
	s := newTestSigner(t)
	v := NewVerifier(s.Keys())
	ctx := context.Background()

	tok, err := s.MintService("admin")
	require.NoError(t, err)
	c, err := v.Verify(ctx, tok)
	require.NoError(t, err)
	purpose, ok := c.IsService()
	require.True(t, ok)
	require.Equal(t, "admin", purpose)
	require.Empty(t, c.OrgID, "a service token acts for no organization")

	user, err := s.Mint("user-1", "org-1", "owner", "free", Limits{})
	require.NoError(t, err)
	uc, err := v.Verify(ctx, user)
	require.NoError(t, err)
	_, ok = uc.IsService()
	require.False(t, ok, "a user token is not a service token")

	_, err = s.Mint("service:admin", "org-1", RoleService, "free", Limits{})
	require.Error(t, err, "a user token must not carry the service role")
	for _, bad := range []string{"", "two words", "a:b"} {
		_, err := s.MintService(bad)
		require.Error(t, err, "purpose %q", bad)
	}
	// Claims that look like a service token but name an organization are not one.
	forged := Claims{RegisteredClaims: s.registered("service:admin"), Role: RoleService, OrgID: "org-1"}
	_, ok = forged.IsService()
	require.False(t, ok)
}
