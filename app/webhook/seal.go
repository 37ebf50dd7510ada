package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// sealVersion prefixes sealed values so the format can change later.
const sealVersion = "v1."

// ErrSealed is returned when a sealed value cannot be opened: a wrong key, a value sealed
// for another row, or a damaged value.
var ErrSealed = errors.New("webhook: sealed secret cannot be opened")

// Sealer encrypts endpoint secrets at rest with AES-256-GCM. The secrets must be
// recoverable to sign, so they are encrypted rather than hashed.
type Sealer struct{ aead cipher.AEAD }

// NewSealer takes a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
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
	return &Sealer{aead: aead}, nil
}

// NewSealerBase64 takes the key as standard base64, as WEBHOOK_ENCRYPTION_KEY holds it.
func NewSealerBase64(key string) (*Sealer, error) {
	b, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("webhook: sealer key is not base64: %w", err)
	}
	return NewSealer(b)
}

// Seal encrypts plain, bound to context (the row's id), so a sealed value copied to
// another row does not open.
func (s *Sealer) Seal(plain, context string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce) // never fails: crypto/rand crashes the program instead
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return sealVersion + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value Seal produced with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	if len(sealed) < len(sealVersion) || sealed[:len(sealVersion)] != sealVersion {
		return "", ErrSealed
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed[len(sealVersion):])
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", ErrSealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(context))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}
