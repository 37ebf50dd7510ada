package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/assayhq/assay/app/config"
)

// How long discovery and each call to the provider may take, and how long a failed
// discovery is remembered so an outage does not stall every sign-in attempt.
const (
	oidcTimeout    = 10 * time.Second
	oidcRetryAfter = 15 * time.Second
)

// oidcCallbackPath is where the provider sends the browser back; register
// $WEB_URL + this path with the provider.
const oidcCallbackPath = "/auth/oidc/callback"

// errProviderDown is what people see when the provider cannot be reached.
var errProviderDown = errors.New("web: oidc provider unavailable")

// oidcProvider is the configured OpenID Connect provider, discovered on first use.
type oidcProvider struct {
	cfg         config.OIDC
	redirectURL string
	client      *http.Client
	now         func() time.Time

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
	authOrig string // origin of the authorization endpoint, once known
	failedAt time.Time
}

func newOIDCProvider(cfg config.OIDC, webURL string) *oidcProvider {
	return &oidcProvider{
		cfg:         cfg,
		redirectURL: strings.TrimRight(webURL, "/") + oidcCallbackPath,
		client:      &http.Client{Timeout: oidcTimeout},
		now:         time.Now,
	}
}

// discover returns the OAuth2 config and ID token verifier, fetching the provider's
// metadata on first use. A failure is retried, but not more than once per oidcRetryAfter.
func (p *oidcProvider) discover(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	if !p.failedAt.IsZero() && p.now().Sub(p.failedAt) < oidcRetryAfter {
		return nil, nil, errProviderDown
	}
	ctx, cancel := context.WithTimeout(ctx, oidcTimeout)
	defer cancel()
	// The provider keeps this context's client for fetching signing keys later.
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		p.failedAt = p.now()
		return nil, nil, fmt.Errorf("%w: discovery: %w", errProviderDown, err)
	}
	p.oauth = &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint:     prov.Endpoint(),
		RedirectURL:  p.redirectURL,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
	p.verifier = prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID})
	p.authOrig = origin(p.oauth.Endpoint.AuthURL)
	return p.oauth, p.verifier, nil
}

// ctx carries the provider's HTTP client for the token exchange.
func (p *oidcProvider) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, p.client)
}

// formOrigins are the origins a sign-in form may be sent on to: the issuer's and, once
// discovered, the authorization endpoint's (browsers check form-action on redirects).
func (p *oidcProvider) formOrigins() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []string{origin(p.cfg.Issuer)}
	if p.authOrig != "" && p.authOrig != out[0] {
		out = append(out, p.authOrig)
	}
	return out
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
