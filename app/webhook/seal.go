package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealVersion prefixes sealed values so the format can change later.
const sealVersion = "v1."

// ErrSealed is returned when a sealed value cannot be opened: a wrong key, a value sealed
// for another row, or a damaged value.
var ErrSealed = errors.New("webhook: sealed secret cannot be opened")

// Sealer encrypts endpoint secrets at rest with AES-256-GCM. The secrets must be
// recoverable to sign, so they are encrypted rather than hashed. It holds a key ring: the
// first key seals, every key opens, so a new key can be put first while values sealed
// under the old one still open.
type Sealer struct{ aeads []cipher.AEAD }

// NewSealer takes one or more 32-byte keys, the sealing key first.
func NewSealer(keys ...[]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("webhook: sealer needs a key")
	}
	s := &Sealer{}
	for _, key := range keys {
		if len(key) != 32 {
			return nil, fmt.Errorf("webhook: sealer key must be 32 bytes, not %d", len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("webhook: sealer: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("webhook: sealer: %w", err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// NewSealerBase64 takes the keys as WEBHOOK_ENCRYPTION_KEY holds them: standard base64,
// comma-separated, the sealing key first.
func NewSealerBase64(keys string) (*Sealer, error) {
	var raw [][]byte
	for _, k := range strings.Split(keys, ",") {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("webhook: sealer key is not base64: %w", err)
		}
		raw = append(raw, b)
	}
	return NewSealer(raw...)
}

// Seal encrypts plain, bound to context (the row's id), so a sealed value copied to
// another row does not open.
func (s *Sealer) Seal(plain, context string) string {
	aead := s.aeads[0]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce) // never fails: crypto/rand crashes the program instead
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return sealVersion + base64.RawURLEncoding.EncodeToString(out)
}

// IsSealed reports whether b has the form Seal produces (it may still not open).
func IsSealed(b []byte) bool {
	return len(b) >= len(sealVersion) && string(b[:len(sealVersion)]) == sealVersion
}

// Open decrypts a value Seal produced with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	if len(sealed) < len(sealVersion) || sealed[:len(sealVersion)] != sealVersion {
		return "", ErrSealed
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed[len(sealVersion):])
	if err != nil {
		return "", ErrSealed
	}
	for _, aead := range s.aeads {
		n := aead.NonceSize()
		if len(b) < n {
			continue
		}
		if plain, err := aead.Open(nil, b[:n], b[n:], []byte(context)); err == nil {
			return string(plain), nil
		}
	}
	return "", ErrSealed
}
