package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Verification errors. Every error from Verify wraps ErrInvalidToken (answer 401), except
// when the keys could not be loaded, which wraps ErrKeysUnavailable (answer 503).
var (
	ErrInvalidToken    = errors.New("auth: invalid token")
	ErrUnknownKey      = errors.New("auth: unknown key id")
	ErrKeysUnavailable = errors.New("auth: verification keys unavailable")
)

// maxTokenBytes bounds what Verify parses; real tokens are under 1 KiB.
const maxTokenBytes = 8 << 10

// KeySource finds the Ed25519 public key for a kid. It returns an error wrapping
// ErrUnknownKey for a kid it does not know.
type KeySource interface {
	PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error)
}

type staticKeys map[string]ed25519.PublicKey

// StaticKeys is a KeySource of fixed keys by kid (see KeyID).
func StaticKeys(keys map[string]ed25519.PublicKey) KeySource {
	return staticKeys(maps.Clone(keys))
}

func (s staticKeys) PublicKey(_ context.Context, kid string) (ed25519.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// Verifier checks web → API tokens.
type Verifier struct {
	src    KeySource
	parser *jwt.Parser
	now    func() time.Time
}

// NewVerifier returns a Verifier that accepts only EdDSA tokens signed by a key of src,
// issued by Issuer for Audience, with exp required, within Leeway of clock skew.
func NewVerifier(src KeySource) *Verifier {
	v := &Verifier{src: src, now: time.Now}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	)
	return v
}

// Verify checks token and returns its claims. Beyond signature, iss, aud and exp it requires
// a subject and an org, and refuses tokens living longer than TokenTTL.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxTokenBytes {
		return nil, fmt.Errorf("%w: too long", ErrInvalidToken)
	}
	claims := &Claims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("missing kid")
		}
		return v.src.PublicKey(ctx, kid)
	})
	if errors.Is(err, ErrKeysUnavailable) {
		return nil, fmt.Errorf("auth: verify: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	switch {
	case claims.Subject == "":
		return nil, fmt.Errorf("%w: missing sub", ErrInvalidToken)
	case claims.Role == RoleService:
		if _, ok := claims.IsService(); !ok {
			return nil, fmt.Errorf("%w: malformed service token", ErrInvalidToken)
		}
	case claims.OrgID == "":
		return nil, fmt.Errorf("%w: missing org", ErrInvalidToken)
	case claims.ExpiresAt.Sub(v.now()) > TokenTTL+Leeway:
		return nil, fmt.Errorf("%w: lifetime over %s", ErrInvalidToken, TokenTTL)
	}
	return claims, nil
}
