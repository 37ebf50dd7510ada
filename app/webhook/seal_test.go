package webhook

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSealerRoundTripAndBinding(t *testing.T) {
	s, err := NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	secret := NewSecret()
	sealed := s.Seal(secret, "ep-1")
	require.NotContains(t, sealed, strings.TrimPrefix(secret, "whsec_"))
	require.NotEqual(t, sealed, s.Seal(secret, "ep-1"), "a fresh nonce every time")
	got, err := s.Open(sealed, "ep-1")
	require.NoError(t, err)
	require.Equal(t, secret, got)

	_, err = s.Open(sealed, "ep-2")
	require.ErrorIs(t, err, ErrSealed, "sealed for another row")
	other, err := NewSealer([]byte("fedcba9876543210fedcba9876543210"))
	require.NoError(t, err)
	_, err = other.Open(sealed, "ep-1")
	require.ErrorIs(t, err, ErrSealed, "another key")
	for _, bad := range []string{"", "v1.", "v1.!!", "v2." + sealed[3:], sealed[:len(sealed)-2]} {
		_, err = s.Open(bad, "ep-1")
		require.ErrorIs(t, err, ErrSealed, bad)
	}
	_, err = NewSealer([]byte("short"))
	require.Error(t, err)
	_, err = NewSealerBase64("not base64!")
	require.Error(t, err)
}

func TestSignAllVerifiesWithEither(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	now := time.Now()
	body := []byte(`{"type":"task.completed"}`)
	h := HeadersAll([]string{b, a}, "msg_1", now, body)
	require.Len(t, strings.Split(h.Get(HeaderSignature), " "), 2)
	require.NoError(t, VerifyHeaders(a, h, body, now))
	require.NoError(t, VerifyHeaders(b, h, body, now))
	require.ErrorIs(t, VerifyHeaders(NewSecret(), h, body, now), ErrBadSignature)
}

// A new key put first seals from then on; values sealed under the old key still open
// while it stays in the ring, and no longer once it is dropped.
func TestSealerKeyRotation(t *testing.T) {
	oldKey := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	newKey := base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
	before, err := NewSealerBase64(oldKey)
	require.NoError(t, err)
	sealedOld := before.Seal("whsec_old", "ep-1")

	ring, err := NewSealerBase64(newKey + "," + oldKey)
	require.NoError(t, err)
	got, err := ring.Open(sealedOld, "ep-1")
	require.NoError(t, err)
	require.Equal(t, "whsec_old", got)
	sealedNew := ring.Seal("whsec_new", "ep-1")
	_, err = before.Open(sealedNew, "ep-1")
	require.ErrorIs(t, err, ErrSealed, "the new key seals")

	after, err := NewSealerBase64(newKey)
	require.NoError(t, err)
	got, err = after.Open(sealedNew, "ep-1")
	require.NoError(t, err)
	require.Equal(t, "whsec_new", got)
	_, err = after.Open(sealedOld, "ep-1")
	require.ErrorIs(t, err, ErrSealed)
	_, err = NewSealerBase64(newKey + ",short")
	require.Error(t, err)
}
