package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewLinkToken returns a secret for an emailed or shared link — 32 random bytes,
// base64url — and the hash to store in its place (HashLinkToken).
func NewLinkToken() (raw, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand crashes the program instead
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, HashLinkToken(raw)
}

// HashLinkToken is the stored form of a link token: the hex SHA-256 of its text. The
// token is random, so a fast hash is enough; the database never holds the secret itself.
func HashLinkToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
