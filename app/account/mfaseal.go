package account

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealPrefix versions the sealed format, so a later key or cipher can be told apart.
const sealPrefix = "v1:"

// mfaKeyInfo separates the MFA key from anything else derived from the same secret.
const mfaKeyInfo = "assay mfa totp secret v1"

var errUnseal = errors.New("account: mfa: the stored secret cannot be decrypted")

// sealer encrypts TOTP secrets at rest with AES-256-GCM under a key derived from the
// app's session secret by HKDF-SHA256. The user id is the additional data, so a sealed
// secret copied to another user's row does not open. Rotating the session secret makes
// every sealed secret unreadable: those users sign in with a recovery code (stored as
// hashes, unaffected) and enroll again.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret string) (sealer, error) {
	if secret == "" {
		return sealer{}, errors.New("account: mfa: a secret is required")
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, mfaKeyInfo, 32)
	if err != nil {
		return sealer{}, fmt.Errorf("account: mfa key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("account: mfa cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("account: mfa cipher: %w", err)
	}
	return sealer{aead: aead}, nil
}

func (s sealer) seal(userID string, plain []byte) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("account: mfa nonce: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(userID))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

func (s sealer) open(userID, sealed string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, errUnseal
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, errUnseal
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(userID))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
