package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v3"
	"golang.org/x/oauth2"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	entweb "github.com/assayhq/assay/ent/web"
)

// oidcFlowTTL is how long a started sign-in (and a pending link) stays valid.
const oidcFlowTTL = 10 * time.Minute

// Session keys of a sign-in in progress; all are removed when the callback arrives.
const (
	keyOIDCState    = "oidc_state"
	keyOIDCNonce    = "oidc_nonce"
	keyOIDCVerifier = "oidc_verifier"
	keyOIDCExpires  = "oidc_expires"
)

type oidcLocal int

const localOIDCProvider oidcLocal = iota

// oidcFlow is sign-in with an OpenID Connect provider: the start, the callback, and
// linking to an existing password account.
type oidcFlow struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	provider *oidcProvider // nil when not configured
	now      func() time.Time
	// audit receives every identity event (the audit log, through oidcEvents).
	audit func(ctx context.Context, event string, attrs ...slog.Attr)
	// gate asks users with MFA on for their code before the session is theirs.
	gate *mfaGate
}

// name is how the provider is called on buttons and in messages.
func (h *oidcFlow) name() string {
	if h.provider == nil || h.provider.cfg.ProviderName == "" {
		return "Google"
	}
	return h.provider.cfg.ProviderName
}

// offer is middleware for the pages that show the sign-in button: it names the
// provider for the template and lets the button's form go on to the provider.
func (h *oidcFlow) offer(c fiber.Ctx) error {
	if h.provider == nil {
		return c.Next()
	}
	c.Locals(localOIDCProvider, h.name())
	csp := strings.Replace(contentSecurityPolicy, "form-action 'self'",
		"form-action 'self' "+strings.Join(h.provider.formOrigins(), " "), 1)
	c.Set("Content-Security-Policy", csp)
	return ownDocument(c)
}

// offeredProvider is the provider name offer set, or "".
func offeredProvider(c fiber.Ctx) string {
	s, _ := c.Locals(localOIDCProvider).(string)
	return s
}

// start keeps a fresh state, nonce and PKCE verifier in the session and sends the
// browser to the provider. It is a POST with a CSRF token, so no page can start a
// sign-in on someone's behalf.
func (h *oidcFlow) start(c fiber.Ctx) error {
	if h.provider == nil {
		return apperr.NotFound("page")
	}
	conf, _, err := h.provider.discover(c.Context())
	if err != nil {
		return h.unavailable(err)
	}
	state, err := randomToken()
	if err != nil {
		return err
	}
	nonce, err := randomToken()
	if err != nil {
		return err
	}
	verifier := oauth2.GenerateVerifier()
	ws := sessionOf(c)
	ws.sess.Values[keyOIDCState] = state
	ws.sess.Values[keyOIDCNonce] = nonce
	ws.sess.Values[keyOIDCVerifier] = verifier
	ws.sess.Values[keyOIDCExpires] = strconv.FormatInt(h.now().Add(oidcFlowTTL).Unix(), 10)
	if err := h.sessions.save(c); err != nil {
		return err
	}
	return redirect(c, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

// oidcStarted is the sign-in a callback belongs to.
type oidcStarted struct {
	state, nonce, verifier string
}

// takeFlow removes the sign-in in progress from the session (saving it, so a replayed
// callback finds nothing) and returns it, or nil when there is none or it expired.
func (h *oidcFlow) takeFlow(c fiber.Ctx) (*oidcStarted, error) {
	ws := sessionOf(c)
	f := oidcStarted{state: ws.str(keyOIDCState), nonce: ws.str(keyOIDCNonce), verifier: ws.str(keyOIDCVerifier)}
	expires, _ := strconv.ParseInt(ws.str(keyOIDCExpires), 10, 64)
	if f.state == "" {
		return nil, nil
	}
	for _, k := range []string{keyOIDCState, keyOIDCNonce, keyOIDCVerifier, keyOIDCExpires} {
		delete(ws.sess.Values, k)
	}
	if err := h.sessions.save(c); err != nil {
		return nil, err
	}
	if f.nonce == "" || f.verifier == "" || h.now().Unix() >= expires {
		return nil, nil
	}
	return &f, nil
}

// callback is where the provider sends the browser back. Everything about the request is
// checked before anything is written: the state against the session (once only), the
// code through the token exchange with the PKCE verifier, the ID token's signature,
// issuer, audience and expiry, and its nonce against the session.
func (h *oidcFlow) callback(c fiber.Ctx) error {
	if h.provider == nil {
		return apperr.NotFound("page")
	}
	f, err := h.takeFlow(c)
	if err != nil {
		return err
	}
	if f == nil {
		h.event(c, "oidc.refused", slog.String("reason", "no sign-in in progress"))
		return apperr.BadRequest(fmt.Sprintf("This sign-in with %s has expired or was not started in this browser. Start again from the login page.", h.name()))
	}
	if subtle.ConstantTimeCompare([]byte(c.Query("state")), []byte(f.state)) != 1 {
		h.event(c, "oidc.refused", slog.String("reason", "state mismatch"))
		return apperr.BadRequest(fmt.Sprintf("This sign-in with %s did not come from this browser. Start again from the login page.", h.name()))
	}
	if code := c.Query("error"); code != "" {
		h.event(c, "oidc.provider_error", slog.String("error", code))
		return apperr.BadRequest(providerErrorMessage(h.name(), code))
	}
	claims, err := h.verify(c, f)
	if err != nil {
		return err
	}
	return h.signIn(c, claims)
}

// verify exchanges the code and checks the ID token; its errors are safe to show.
func (h *oidcFlow) verify(c fiber.Ctx, f *oidcStarted) (account.Claims, error) {
	code := c.Query("code")
	if code == "" {
		h.event(c, "oidc.refused", slog.String("reason", "no code"))
		return account.Claims{}, apperr.BadRequest(fmt.Sprintf("%s sent no sign-in code. Start again from the login page.", h.name()))
	}
	conf, verifier, err := h.provider.discover(c.Context())
	if err != nil {
		return account.Claims{}, h.unavailable(err)
	}
	ctx := h.provider.ctx(c.Context())
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		h.event(c, "oidc.refused", slog.String("reason", "code exchange refused"))
		return account.Claims{}, h.failed().WithErr(err)
	}
	if err != nil {
		return account.Claims{}, h.unavailable(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		h.event(c, "oidc.refused", slog.String("reason", "no id token"))
		return account.Claims{}, h.failed()
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		h.event(c, "oidc.refused", slog.String("reason", "id token invalid"))
		return account.Claims{}, h.failed().WithErr(err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.nonce)) != 1 {
		h.event(c, "oidc.refused", slog.String("reason", "nonce mismatch"))
		return account.Claims{}, h.failed()
	}
	cl, err := parseIDClaims(idt)
	if err != nil {
		h.event(c, "oidc.refused", slog.String("reason", "claims unreadable"))
		return account.Claims{}, h.failed().WithErr(err)
	}
	return cl, nil
}

func (h *oidcFlow) failed() *apperr.Error {
	return apperr.BadRequest(fmt.Sprintf("The answer from %s could not be verified, so you were not signed in. Start again from the login page.", h.name()))
}

func (h *oidcFlow) unavailable(err error) error {
	// 502: the provider failed us; the error page shows this text for it (not for 503).
	e := apperr.New(http.StatusBadGateway, fmt.Sprintf("%s sign-in is unavailable right now. Try again in a few minutes, or log in with your password.", h.name()))
	return e.WithErr(err)
}

// providerErrorMessage explains an OAuth error code from the provider; the provider's own
// description is not shown, as anyone can put text in a callback URL.
func providerErrorMessage(name, code string) string {
	switch code {
	case "access_denied":
		return fmt.Sprintf("Sign-in with %s was cancelled. You can try again or log in with your password.", name)
	case "temporarily_unavailable", "server_error":
		return fmt.Sprintf("%s could not sign you in right now. Try again in a few minutes.", name)
	}
	return fmt.Sprintf("%s could not sign you in. Start again from the login page.", name)
}

// event is the one place identity events (sign-ins, sign-ups, links, refusals) go
// through, to the audit sink.
func (h *oidcFlow) event(c fiber.Ctx, name string, attrs ...slog.Attr) {
	h.audit(c.Context(), name, append(attrs, slog.String("ip", c.IP()))...)
}

// randomToken is a secret for a session id, a CSRF token, an OIDC state or nonce:
// 32 random bytes, base64url.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("web: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
