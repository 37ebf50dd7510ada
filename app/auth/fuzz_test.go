package auth

import (
	"context"

	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func FuzzAPIKeyPrefix(f *testing.F) {
	key, _, _ := NewAPIKey()
	for _, seed := range []string{key, "", "assay_", "assay_ABCDEFabc123_" + strings.Repeat("s", 32), key + "\x00", strings.ToUpper(key)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		prefix, ok := APIKeyPrefix(key)
		if !ok {
			require.Empty(t, prefix)
			return
		}
		require.Len(t, prefix, apiKeyPrefixLen)
		require.True(t, strings.HasPrefix(key, apiKeyScheme+prefix+"_"))
		require.True(t, isBase62(key[len(apiKeyScheme+prefix+"_"):]))
	})
}

func FuzzValidatePassword(f *testing.F) {
	for _, seed := range []string{"", "password", "PASSWORD", "correct horse", "абвгдежз", "\xff\xff\xff\xff\xff\xff\xff\xff", strings.Repeat("x", 1025)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if err := ValidatePassword(pw); err == nil {
			require.LessOrEqual(t, len(pw), MaxPasswordBytes)
			require.GreaterOrEqual(t, utf8.RuneCountInString(pw), MinPasswordRunes)
			require.False(t, isCommonPassword(pw))
		} else {
			require.True(t, IsPasswordError(err))
		}
	})
}

// FuzzVerify feeds arbitrary tokens to a Verifier with a frozen clock: it never panics, and
// whatever it accepts carries the required claims.
func FuzzVerify(f *testing.F) {
	s, err := NewSigner("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	require.NoError(f, err)
	frozen := time.Unix(1_700_000_000, 0)
	s.now = func() time.Time { return frozen }
	tok, err := s.Mint("user-1", "org-1", "owner", "free", Limits{MaxUploadBytes: 1})
	require.NoError(f, err)
	for _, seed := range []string{
		tok, "", ".", "..", "a.b.c", tok + "x", strings.Replace(tok, ".", "..", 1),
		"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.",
		"eyJhbGciOiJIUzI1NiIsImtpZCI6IngifQ.e30.c2ln",
	} {
		f.Add(seed)
	}
	v := NewVerifier(s.Keys())
	v.now = func() time.Time { return frozen }
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidToken)
			require.Nil(t, c)
			return
		}
		require.Equal(t, Issuer, c.Issuer)
		require.NotEmpty(t, c.Subject)
		require.NotEmpty(t, c.OrgID)
	})
}
