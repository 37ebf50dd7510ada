package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

// How the mock provider spoils the next ID token it issues.
const (
	spoilNone int32 = iota
	spoilSignature
	spoilAudience
	spoilIssuer
)

// mockProvider is a local OpenID Connect provider: it signs in whichever user is queued,
// and can spoil the ID token it hands out.
type mockProvider struct {
	m     *mockoidc.MockOIDC
	spoil atomic.Int32
}

func newMockProvider(t *testing.T) *mockProvider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	require.NoError(t, err)
	p := &mockProvider{m: m}
	require.NoError(t, m.AddMiddleware(p.spoilToken))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, m.Start(ln, nil))
	t.Cleanup(func() { m.Shutdown() })
	return p
}

// configure points the web app's config at the provider.
func (p *mockProvider) configure(c *config.Config) {
	cfg := p.m.Config()
	c.OIDC = config.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, ProviderName: "Google"}
}

// queue makes the provider sign in this user next.
func (p *mockProvider) queue(sub, email string, verified bool) {
	p.m.QueueUser(&mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: verified})
}

// authorize plays the browser at the provider: it follows the authorization URL and
// returns the callback path and query the provider redirects to.
func (p *mockProvider) authorize(t *testing.T, authURL string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(authURL)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode)
	u, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "assay.test", u.Host, "the redirect URL is $WEB_URL/auth/oidc/callback")
	return u.RequestURI()
}

// spoilToken rewrites the token endpoint's ID token when asked to, once.
func (p *mockProvider) spoilToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.TokenEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		mode := p.spoil.Swap(spoilNone)
		if mode == spoilNone {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		raw, _ := body["id_token"].(string)
		body["id_token"] = p.spoiled(raw, mode)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
}

func (p *mockProvider) spoiled(raw string, mode int32) string {
	if mode == spoilSignature {
		// Change the payload and keep the signature: the signature no longer matches.
		parts := strings.Split(raw, ".")
		claims := jwt.MapClaims{}
		b, _ := jwt.NewParser().DecodeSegment(parts[1])
		_ = json.NewDecoder(bytes.NewReader(b)).Decode(&claims)
		claims["sub"] = "someone-else"
		nb, _ := json.Marshal(claims)
		parts[1] = base64.RawURLEncoding.EncodeToString(nb)
		return strings.Join(parts, ".")
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
		return raw
	}
	switch mode {
	case spoilAudience:
		claims["aud"] = "another-client"
	case spoilIssuer:
		claims["iss"] = "https://evil.example"
	}
	signed, err := p.m.Keypair.SignJWT(claims)
	if err != nil {
		return raw
	}
	return signed
}

// eventLog records the identity events the web app emits.
type eventLog struct {
	mu     sync.Mutex
	events []string // "name reason"
}

func recordEvents(env *testEnv) *eventLog {
	l := &eventLog{}
	env.srv.oidc.audit = func(_ context.Context, name string, attrs ...slog.Attr) {
		e := name
		for _, a := range attrs {
			if a.Key == "reason" {
				e += " " + a.Value.String()
			}
		}
		l.mu.Lock()
		l.events = append(l.events, e)
		l.mu.Unlock()
	}
	return l
}

// last returns the latest event, or "".
func (l *eventLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		return ""
	}
	return l.events[len(l.events)-1]
}
