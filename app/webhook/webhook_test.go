package webhook

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	rawSecret  = "raw-secret-of-at-least-32-characters!!"
)

var (
	specTS   = time.Unix(1614265330, 0)
	specBody = []byte(`{"test": 2432232314}`)
)

func TestSignKnownVectors(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		id     string
		ts     time.Time
		body   []byte
		want   string
	}{
		{"Standard Webhooks spec example", specSecret, specID, specTS, specBody, specSig},
		// printf '%s' 'msg_1.1700000000.{"type":"task.completed"}' | openssl dgst -sha256 -hmac "$secret" -binary | base64
		{"raw secret", rawSecret, "msg_1", time.Unix(1700000000, 0), []byte(`{"type":"task.completed"}`), "v1,I+vp8bO0M3s1tOy/05WXb+FzTXgoU5p+jgWMJodGvFI="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Sign(tt.secret, tt.id, tt.ts, tt.body))
			ts := strconv.FormatInt(tt.ts.Unix(), 10)
			require.NoError(t, Verify(tt.secret, tt.id, ts, tt.want, tt.body, tt.ts))
		})
	}
}

func TestHeaders(t *testing.T) {
	h := Headers(specSecret, specID, specTS, specBody)
	require.Equal(t, specID, h.Get("Webhook-Id"))
	require.Equal(t, "1614265330", h.Get("Webhook-Timestamp"))
	require.Equal(t, specSig, h.Get("Webhook-Signature"))
	require.NoError(t, VerifyHeaders(specSecret, h, specBody, specTS.Add(time.Minute)))
	require.ErrorIs(t, VerifyHeaders(specSecret, http.Header{}, specBody, specTS), ErrMissingHeaders)
}

func TestVerify(t *testing.T) {
	now := specTS
	other := "v1," + base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name      string
		secret    string
		id        string
		timestamp string
		signature string
		body      []byte
		now       time.Time
		want      error
	}{
		{"valid", specSecret, specID, "1614265330", specSig, specBody, now, nil},
		{"5 min early is fine", specSecret, specID, "1614265330", specSig, specBody, now.Add(-5 * time.Minute), nil},
		{"5 min late is fine", specSecret, specID, "1614265330", specSig, specBody, now.Add(5 * time.Minute), nil},
		{"one of several signatures", specSecret, specID, "1614265330", other + " v1a,xyz " + specSig, specBody, now, nil},
		{"missing id", specSecret, "", "1614265330", specSig, specBody, now, ErrMissingHeaders},
		{"missing timestamp", specSecret, specID, "", specSig, specBody, now, ErrMissingHeaders},
		{"missing signature", specSecret, specID, "1614265330", "", specBody, now, ErrMissingHeaders},
		{"timestamp not a number", specSecret, specID, "16142653x0", specSig, specBody, now, ErrBadTimestamp},
		{"timestamp with sign", specSecret, specID, "+1614265330", specSig, specBody, now, ErrBadTimestamp},
		{"negative timestamp", specSecret, specID, "-1614265330", specSig, specBody, now, ErrBadTimestamp},
		{"timestamp leading zero", specSecret, specID, "01614265330", specSig, specBody, now, ErrBadTimestamp},
		{"timestamp fraction", specSecret, specID, "1614265330.5", specSig, specBody, now, ErrBadTimestamp},
		{"timestamp in ms", specSecret, specID, "1614265330000", specSig, specBody, now, ErrBadTimestamp},
		{"timestamp with space", specSecret, specID, " 1614265330", specSig, specBody, now, ErrBadTimestamp},
		{"too old", specSecret, specID, "1614265330", specSig, specBody, now.Add(5*time.Minute + time.Second), ErrTimestampOutOfRange},
		{"too new", specSecret, specID, "1614265330", specSig, specBody, now.Add(-5*time.Minute - time.Second), ErrTimestampOutOfRange},
		{"wrong secret", "whsec_" + base64.StdEncoding.EncodeToString([]byte("another")), specID, "1614265330", specSig, specBody, now, ErrBadSignature},
		{"tampered body", specSecret, specID, "1614265330", specSig, []byte(`{"test": 2432232315}`), now, ErrBadSignature},
		{"other id", specSecret, "msg_other", "1614265330", specSig, specBody, now, ErrBadSignature},
		{"replayed with new timestamp", specSecret, specID, "1614265331", specSig, specBody, now, ErrBadSignature},
		{"no v1 prefix", specSecret, specID, "1614265330", strings.TrimPrefix(specSig, "v1,"), specBody, now, ErrBadSignature},
		{"v2 only", specSecret, specID, "1614265330", "v2," + strings.TrimPrefix(specSig, "v1,"), specBody, now, ErrBadSignature},
		{"not base64", specSecret, specID, "1614265330", "v1,!!!", specBody, now, ErrBadSignature},
		{"truncated signature", specSecret, specID, "1614265330", specSig[:20], specBody, now, ErrBadSignature},
		{"line break inside", specSecret, specID, "1614265330", specSig[:10] + "\n" + specSig[10:], specBody, now, ErrBadSignature},
		{"url alphabet", specSecret, specID, "1614265330", strings.NewReplacer("+", "-", "/", "_").Replace(specSig), specBody, now, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.id, tt.timestamp, tt.signature, tt.body, tt.now)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
}

func TestSecrets(t *testing.T) {
	s := NewSecret()
	require.True(t, strings.HasPrefix(s, "whsec_"))
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	require.NoError(t, err)
	require.Len(t, key, 32)
	require.Equal(t, key, secretKey(s))
	require.NotEqual(t, s, NewSecret())

	require.Equal(t, []byte(rawSecret), secretKey(rawSecret))
	require.Equal(t, []byte("whsec_not base64!"), secretKey("whsec_not base64!"), "undecodable whsec_ falls back to raw bytes")

	ts := time.Unix(1700000000, 0)
	for _, secret := range []string{s, rawSecret, "whsec_not base64!"} {
		h := Headers(secret, "msg_1", ts, []byte("{}"))
		require.NoError(t, VerifyHeaders(secret, h, []byte("{}"), ts))
	}
}
