package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

func newSeed(t *testing.T) string {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	return base64.StdEncoding.EncodeToString(seed)
}

func newTestSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := NewSigner(newSeed(t))
	require.NoError(t, err)
	return s
}

func validClaims(now time.Time) Claims {
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Subject: "user-1", Audience: jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now),
		},
		OrgID: "org-1",
	}
}

func signToken(t *testing.T, m jwt.SigningMethod, key any, kid string, c Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func TestMintVerifyRoundTrip(t *testing.T) {
	s := newTestSigner(t)
	tok, err := s.Mint("user-1", "org-1", "owner", "pro", Limits{MaxUploadBytes: 1 << 20})
	require.NoError(t, err)

	c, err := NewVerifier(s.Keys()).Verify(context.Background(), tok)
	require.NoError(t, err)
	require.Equal(t, "user-1", c.Subject)
	require.Equal(t, "org-1", c.OrgID)
	require.Equal(t, "owner", c.Role)
	require.Equal(t, "pro", c.Plan)
	require.Equal(t, int64(1<<20), c.Limits.MaxUploadBytes)
	require.Equal(t, Issuer, c.Issuer)
	require.Equal(t, jwt.ClaimStrings{Audience}, c.Audience)
	require.NotEmpty(t, c.ID)
	require.WithinDuration(t, time.Now().Add(TokenTTL), c.ExpiresAt.Time, 2*time.Second)

	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &Claims{})
	require.NoError(t, err)
	require.Equal(t, "EdDSA", parsed.Header["alg"])
	require.Equal(t, s.KeyID(), parsed.Header["kid"])
}

func TestMintRequiresUserAndOrg(t *testing.T) {
	s := newTestSigner(t)
	_, err := s.Mint("", "org-1", "owner", "free", Limits{})
	require.Error(t, err)
	_, err = s.Mint("user-1", "", "owner", "free", Limits{})
	require.Error(t, err)
}

func TestNewSigner(t *testing.T) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i * 7)
	}
	std := base64.StdEncoding.EncodeToString(seed)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"std", std, false},
		{"raw url", base64.RawURLEncoding.EncodeToString(seed), false},
		{"with spaces around a list", " " + std + " , " + newSeed(t), false},
		{"empty", "", true},
		{"not base64", "not base64 at all!", true},
		{"short", base64.StdEncoding.EncodeToString(seed[:31]), true},
		{"long", base64.StdEncoding.EncodeToString(append(seed, 1)), true},
		{"bad second seed", std + ",xyz", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSigner(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				require.NotContains(t, err.Error(), std, "secrets stay out of errors")
				return
			}
			require.NoError(t, err)
			require.Equal(t, KeyID(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)), s.KeyID())
		})
	}
}

func TestKeyIDIsRFC7638Thumbprint(t *testing.T) {
	// RFC 8037 appendix A.3: thumbprint of the example Ed25519 key.
	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	require.NoError(t, err)
	require.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", KeyID(ed25519.PublicKey(x)))
}

func TestJWKS(t *testing.T) {
	a, b := newSeed(t), newSeed(t)
	s, err := NewSigner(a + "," + b + "," + a)
	require.NoError(t, err)
	raw, err := s.JWKS()
	require.NoError(t, err)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(raw, &set))
	require.Len(t, set.Keys, 2, "duplicates published once")
	require.Equal(t, s.KeyID(), set.Keys[0]["kid"])
	for _, k := range set.Keys {
		require.Equal(t, "OKP", k["kty"])
		require.Equal(t, "Ed25519", k["crv"])
		require.Equal(t, "sig", k["use"])
		require.Equal(t, "EdDSA", k["alg"])
		require.NotEmpty(t, k["x"])
		require.Empty(t, k["d"], "no private part")
	}
}

func TestVerifyRejects(t *testing.T) {
	s := newTestSigner(t)
	other := newTestSigner(t)
	now := time.Now()
	pub := s.keys[s.KeyID()]
	kid := s.KeyID()
	with := func(f func(c *Claims)) Claims {
		c := validClaims(now)
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		token  string
		reason error // beyond ErrInvalidToken, when the library names one
	}{
		{"alg none", signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"HS256 keyed with the public key", signToken(t, jwt.SigningMethodHS256, []byte(pub), kid, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"other key under our kid", signToken(t, jwt.SigningMethodEdDSA, other.key, kid, validClaims(now)), jwt.ErrTokenSignatureInvalid},
		{"unknown kid", signToken(t, jwt.SigningMethodEdDSA, other.key, other.KeyID(), validClaims(now)), ErrUnknownKey},
		{"missing kid", signToken(t, jwt.SigningMethodEdDSA, s.key, "", validClaims(now)), jwt.ErrTokenUnverifiable},
		{"wrong audience", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.Audience = jwt.ClaimStrings{"assay-web"} })), jwt.ErrTokenInvalidAudience},
		{"no audience", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.Audience = nil })), jwt.ErrTokenRequiredClaimMissing},
		{"wrong issuer", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.Issuer = "someone" })), jwt.ErrTokenInvalidIssuer},
		{"expired", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) })), jwt.ErrTokenExpired},
		{"missing exp", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.ExpiresAt = nil })), jwt.ErrTokenRequiredClaimMissing},
		{"lives too long", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(time.Hour)) })), nil},
		{"not yet valid", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(2 * time.Minute)) })), jwt.ErrTokenNotValidYet},
		{"issued in the future", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(2 * time.Minute)) })), jwt.ErrTokenUsedBeforeIssued},
		{"missing org", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.OrgID = "" })), nil},
		{"missing subject", signToken(t, jwt.SigningMethodEdDSA, s.key, kid, with(func(c *Claims) { c.Subject = "" })), nil},
		{"garbage", "not.a.token", jwt.ErrTokenMalformed},
		{"empty", "", jwt.ErrTokenMalformed},
		{"too long", strings.Repeat("a", maxTokenBytes+1), nil},
	}
	v := NewVerifier(s.Keys())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tt.token)
			require.ErrorIs(t, err, ErrInvalidToken)
			if tt.reason != nil {
				require.ErrorIs(t, err, tt.reason)
			}
			require.Nil(t, c)
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	s := newTestSigner(t)
	v := NewVerifier(s.Keys())
	now := time.Now()
	c := validClaims(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(-10 * time.Second))
	_, err := v.Verify(context.Background(), signToken(t, jwt.SigningMethodEdDSA, s.key, s.KeyID(), c))
	require.NoError(t, err, "expired within the leeway")

	s.now = func() time.Time { return now.Add(-TokenTTL + 20*time.Second) }
	tok, err := s.Mint("user-1", "org-1", "member", "free", Limits{})
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), tok)
	require.NoError(t, err)

	v.now = func() time.Time { return now.Add(time.Minute) }
	_, err = v.Verify(context.Background(), tok)
	require.ErrorIs(t, err, ErrInvalidToken)
}
