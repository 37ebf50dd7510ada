package auth

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewLinkToken(t *testing.T) {
	raw, hash := NewLinkToken()
	b, err := base64.RawURLEncoding.DecodeString(raw)
	require.NoError(t, err)
	require.Len(t, b, 32, "256 random bits")
	require.Equal(t, HashLinkToken(raw), hash)
	require.NotContains(t, hash, raw)
	other, _ := NewLinkToken()
	require.NotEqual(t, raw, other)
}
