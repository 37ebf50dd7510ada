package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// API key layout: "assay_" + 12-character prefix + "_" + 43-character secret, both base62.
// The prefix (≈71 bits) is stored in clear to find the key's row; the secret (≈256 bits)
// is only ever stored as part of the hashed key. Base62 keeps "_" unambiguous as separator
// and lets a double click select the whole key.
const (
	apiKeyScheme       = "assay_"
	apiKeyPrefixLen    = 12
	apiKeySecretLen    = 43
	apiKeySecretMinLen = 32 // accepted when parsing, so the generated length can change
	apiKeySecretMaxLen = 64
	base62             = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// NewAPIKey returns a fresh API key, its prefix (stored in clear, unique) and the hex
// SHA-256 of the whole key (stored instead of the key). The key is shown to its owner once.
func NewAPIKey() (key, prefix, hash string) {
	prefix = randomBase62(apiKeyPrefixLen)
	key = apiKeyScheme + prefix + "_" + randomBase62(apiKeySecretLen)
	return key, prefix, HashAPIKey(key)
}

// APIKeyPrefix returns the prefix of key if key has the exact shape of an Assay API key
// (scheme, prefix length, secret length, base62 alphabet); ok is false otherwise.
func APIKeyPrefix(key string) (prefix string, ok bool) {
	rest, found := strings.CutPrefix(key, apiKeyScheme)
	if !found || len(rest) < apiKeyPrefixLen+1+apiKeySecretMinLen {
		return "", false
	}
	prefix, secret := rest[:apiKeyPrefixLen], rest[apiKeyPrefixLen:]
	secret, found = strings.CutPrefix(secret, "_")
	if !found || len(secret) > apiKeySecretMaxLen || !isBase62(prefix) || !isBase62(secret) {
		return "", false
	}
	return prefix, true
}

// HashAPIKey returns the lower-case hex SHA-256 of the whole key.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// EqualHash compares two hashes in constant time (for equal lengths).
func EqualHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// randomBase62 draws n uniform base62 characters from crypto/rand by rejection sampling.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf) // never fails: crypto/rand crashes the program instead
		for _, b := range buf {
			if v := b & 63; v < 62 && len(out) < n {
				out = append(out, base62[v])
			}
		}
	}
	return string(out)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
