package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/assayhq/assay/app/plan"
)

// Token parameters of web → API calls.
const (
	Issuer   = "assay-web"
	Audience = "assay-api"
	// TokenTTL is the lifetime of a minted token; Verify refuses longer-lived ones.
	TokenTTL = 5 * time.Minute
	// Leeway is the clock skew tolerated on exp, nbf and iat.
	Leeway = 30 * time.Second
)

// Limits are the plan limits carried in a token: the catalogue's, all of them, so the
// API enforces a signed-in user's plan without asking the web app.
type Limits = plan.Limits

// Claims of a web → API token: sub is the user id.
type Claims struct {
	jwt.RegisteredClaims
	OrgID  string `json:"org"`
	Role   string `json:"role"`
	Plan   string `json:"plan"`
	Limits Limits `json:"limits"`
	// PlanAt is when the web app read the plan (its organization row's last change, in
	// microseconds since the Unix epoch; 0 when not known). The API keeps the newest plan
	// it hears of, so a token minted before a plan change cannot write the old plan back.
	PlanAt int64 `json:"plan_at,omitempty"`
}

// Signer mints EdDSA tokens with the web app's key and publishes its public keys.
type Signer struct {
	key  ed25519.PrivateKey
	kid  string
	keys map[string]ed25519.PublicKey // the signing key and retired ones still published
	kids []string                     // publication order, signing key first
	now  func() time.Time
}

// NewSigner builds a Signer from a base64 Ed25519 seed (32 bytes; standard or URL alphabet,
// padded or not). For key rotation seedBase64 may list several comma-separated seeds: the
// first signs, all are published in the JWKS so tokens of the previous key stay valid.
func NewSigner(seedBase64 string) (*Signer, error) {
	s := &Signer{keys: map[string]ed25519.PublicKey{}, now: time.Now}
	for i, part := range strings.Split(seedBase64, ",") {
		seed, err := decodeSeed(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("auth: signing key %d: %w", i+1, err)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		kid := KeyID(pub)
		if i == 0 {
			s.key, s.kid = priv, kid
		}
		if _, dup := s.keys[kid]; !dup {
			s.keys[kid] = pub
			s.kids = append(s.kids, kid)
		}
	}
	return s, nil
}

func decodeSeed(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != ed25519.SeedSize {
				return nil, fmt.Errorf("seed is %d bytes, want %d", len(b), ed25519.SeedSize)
			}
			return b, nil
		}
	}
	return nil, errors.New("seed is not base64")
}

// KeyID returns the RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 public key.
func KeyID(pub ed25519.PublicKey) string {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		panic(fmt.Errorf("auth: thumbprint: %w", err)) // only for keys of a wrong size
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// KeyID returns the kid of the signing key.
func (s *Signer) KeyID() string { return s.kid }

// Mint returns a signed token for userID acting in orgID, valid for TokenTTL.
func (s *Signer) Mint(userID, orgID, role, plan string, lim Limits) (string, error) {
	return s.MintPlanAt(userID, orgID, role, plan, lim, 0)
}

// MintPlanAt is Mint for a plan read at planAt (see Claims.PlanAt).
func (s *Signer) MintPlanAt(userID, orgID, role, plan string, lim Limits, planAt int64) (string, error) {
	if userID == "" || orgID == "" {
		return "", errors.New("auth: mint: user and org are required")
	}
	if role == RoleService {
		return "", errors.New("auth: mint: a user token cannot carry the service role")
	}
	return s.sign(Claims{RegisteredClaims: s.registered(userID), OrgID: orgID, Role: role, Plan: plan, Limits: lim, PlanAt: planAt})
}

// registered returns the standard claims of a token for subject minted now.
func (s *Signer) registered(subject string) jwt.RegisteredClaims {
	now := s.now().UTC().Truncate(time.Second)
	return jwt.RegisteredClaims{
		Issuer:    Issuer,
		Subject:   subject,
		Audience:  jwt.ClaimStrings{Audience},
		ExpiresAt: jwt.NewNumericDate(now.Add(TokenTTL)),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        rand.Text(),
	}
}

// sign signs claims with the signing key, naming it in the kid header.
func (s *Signer) sign(claims Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return signed, nil
}

// JWKS returns the JSON Web Key Set of the published public keys (OKP/Ed25519, use=sig,
// alg=EdDSA, kid), as served at /.well-known/jwks.json.
func (s *Signer) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{}
	for _, kid := range s.kids {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: s.keys[kid], KeyID: kid, Algorithm: "EdDSA", Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("auth: jwks: %w", err)
	}
	return b, nil
}

// Keys returns a static KeySource of the published public keys, for in-process use.
func (s *Signer) Keys() KeySource { return StaticKeys(s.keys) }
