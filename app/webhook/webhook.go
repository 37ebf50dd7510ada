// Package webhook signs and verifies Standard Webhooks (https://www.standardwebhooks.com):
// the signature is HMAC-SHA256 over "msgID.timestamp.body", base64-encoded, sent as
// "v1,<signature>" in the webhook-signature header.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of Standard Webhooks.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a webhook's timestamp may be from the receiver's clock.
const Tolerance = 5 * time.Minute

const secretPrefix = "whsec_"

// ErrInvalid is wrapped by every verification error. ErrMissingHeaders and ErrBadTimestamp
// are malformed requests (400); ErrTimestampOutOfRange and ErrBadSignature are
// authentication failures (401).
var (
	ErrInvalid             = errors.New("webhook: invalid")
	ErrMissingHeaders      = fmt.Errorf("%w: missing webhook headers", ErrInvalid)
	ErrBadTimestamp        = fmt.Errorf("%w: malformed timestamp", ErrInvalid)
	ErrTimestampOutOfRange = fmt.Errorf("%w: timestamp too far from now", ErrInvalid)
	ErrBadSignature        = fmt.Errorf("%w: no matching signature", ErrInvalid)
)

// NewSecret returns a fresh "whsec_" secret of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand crashes the program instead
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey returns the HMAC key: the decoded base64 after "whsec_", or the whole string's
// bytes for any other secret (including a "whsec_" one whose rest is not base64).
func secretKey(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, secretPrefix); ok {
		if b, err := base64.StdEncoding.DecodeString(rest); err == nil && len(b) > 0 {
			return b
		}
	}
	return []byte(secret)
}

func mac(key []byte, msgID, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msgID))
	h.Write([]byte{'.'})
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Sign returns the webhook-signature value "v1,<base64>" for a message sent at ts.
func Sign(secret, msgID string, ts time.Time, body []byte) string {
	sum := mac(secretKey(secret), msgID, strconv.FormatInt(ts.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(sum)
}

// Headers returns the three Standard Webhooks headers for a message sent at ts.
func Headers(secret, msgID string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, msgID, ts, body))
	return h
}

// VerifyHeaders is Verify with the values taken from h.
func VerifyHeaders(secret string, h http.Header, body []byte, now time.Time) error {
	return Verify(secret, h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature), body, now)
}

// Verify checks a received webhook: timestamp is decimal Unix seconds within Tolerance of
// now, and signature lists, space-separated, at least one "v1,<base64>" matching the
// message. Signatures of other versions are ignored. Comparison is constant time.
func Verify(secret, msgID, timestamp, signature string, body []byte, now time.Time) error {
	if msgID == "" || timestamp == "" || signature == "" {
		return ErrMissingHeaders
	}
	ts, err := parseTimestamp(timestamp)
	if err != nil {
		return err
	}
	if d := now.Unix() - ts; d > int64(Tolerance/time.Second) || d < -int64(Tolerance/time.Second) {
		return ErrTimestampOutOfRange
	}
	// Comparing canonical encodings rejects what a lenient base64 decoder would let through
	// (line breaks, stray padding bits) at the same constant-time cost.
	want := []byte(base64.StdEncoding.EncodeToString(mac(secretKey(secret), msgID, timestamp, body)))
	for _, sig := range strings.Split(signature, " ") {
		if b64, ok := strings.CutPrefix(sig, "v1,"); ok && hmac.Equal([]byte(b64), want) {
			return nil
		}
	}
	return ErrBadSignature
}

// parseTimestamp accepts only canonical decimal seconds: digits, no sign, no leading zero,
// at most 12 digits (year 33658), so the signed text and the parsed value agree.
func parseTimestamp(s string) (int64, error) {
	if len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return 0, ErrBadTimestamp
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrBadTimestamp
		}
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrBadTimestamp
	}
	return ts, nil
}
