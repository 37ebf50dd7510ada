package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gorilla/sessions"

	"github.com/assayhq/assay/app/ratelimit"
)

// Session value keys. Values hold strings only, so gob needs no registrations.
const (
	keyUserID = "user_id"
	keyOrgID  = "org_id"
	keyCSRF   = "csrf"
	// keyAuthAt is when the user last proved who they are (login, MFA, re-authentication):
	// see requireRecentAuth.
	keyAuthAt = "auth_at"
)

// Cookie names: __Host- requires Secure, which plain-http development cannot send.
const (
	cookieSecure = "__Host-assay_session"
	cookiePlain  = "assay_session"
)

type localKey int

const (
	localSession localKey = iota
	localAccount
	localCSRFPending
)

// webSession is the request's gorilla session with the *http.Request it was loaded
// through, which Save needs.
type webSession struct {
	sess *sessions.Session
	req  *http.Request
}

func (w *webSession) str(key string) string {
	s, _ := w.sess.Values[key].(string)
	return s
}

func (w *webSession) csrf() string { return w.str(keyCSRF) }

// sessionManager bridges Fiber requests to the gorilla session store.
type sessionManager struct {
	store   *sessionStore
	name    string
	proxies ratelimit.Proxies // for the client IP a session row records
}

func newSessionManager(store *sessionStore, secure bool, proxies ratelimit.Proxies) *sessionManager {
	name := cookiePlain
	if secure {
		name = cookieSecure
	}
	return &sessionManager{store: store, name: name, proxies: proxies}
}

// load is middleware that loads the request's session into the context.
func (m *sessionManager) load(c fiber.Ctx) error {
	r, err := http.NewRequestWithContext(c.Context(), http.MethodGet, "/", nil)
	if err != nil {
		return fmt.Errorf("web: session request: %w", err)
	}
	if v := c.Cookies(m.name); v != "" {
		r.AddCookie(&http.Cookie{Name: m.name, Value: v}) // #nosec G124 -- read side: a request cookie has no attributes
	}
	// The device a session row records: the store reads them from its request.
	r.Header.Set(fiber.HeaderUserAgent, c.Get(fiber.HeaderUserAgent))
	r.RemoteAddr = m.proxies.ClientIP(c)
	sess, err := m.store.Get(r, m.name)
	if err != nil {
		return fmt.Errorf("web: session: %w", err)
	}
	c.Locals(localSession, &webSession{sess: sess, req: r})
	// Whatever a session's response holds (its data, its CSRF token, its cookie) must not
	// be kept by a cache, nor shown again from one after logout.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// save writes the session and copies its Set-Cookie headers onto the response.
func (m *sessionManager) save(c fiber.Ctx) error {
	ws := sessionOf(c)
	if ws == nil {
		return fmt.Errorf("web: save: no session loaded")
	}
	w := cookieWriter{}
	if err := ws.sess.Save(ws.req, w); err != nil {
		return fmt.Errorf("web: save session: %w", err)
	}
	for _, v := range http.Header(w).Values("Set-Cookie") {
		c.Response().Header.Add(fiber.HeaderSetCookie, v)
	}
	return nil
}

// ensureCSRF gives the session a CSRF token if it has none (saving it) and returns it.
func (m *sessionManager) ensureCSRF(c fiber.Ctx) (string, error) {
	ws := sessionOf(c)
	if t := ws.csrf(); t != "" {
		return t, nil
	}
	t, err := randomToken()
	if err != nil {
		return "", err
	}
	ws.sess.Values[keyCSRF] = t
	return t, m.save(c)
}

// login starts a new session (new id, new CSRF token) for the user in org. An
// invitation the browser opened before signing in stays pending (keyInvite).
func (m *sessionManager) login(c fiber.Ctx, userID, orgID string) error {
	ws := sessionOf(c)
	invite := ws.str(keyInvite)
	if err := m.store.Renew(c.Context(), ws.sess); err != nil {
		return err
	}
	if invite != "" {
		ws.sess.Values[keyInvite] = invite
	}
	t, err := randomToken()
	if err != nil {
		return err
	}
	ws.sess.Values[keyUserID] = userID
	ws.sess.Values[keyOrgID] = orgID
	ws.sess.Values[keyCSRF] = t
	ws.sess.Values[keyAuthAt] = authStamp(time.Now())
	return m.save(c)
}

// logout deletes the session row and expires the cookie.
func (m *sessionManager) logout(c fiber.Ctx) error {
	ws := sessionOf(c)
	ws.sess.Values = map[any]any{}
	ws.sess.Options.MaxAge = -1
	return m.save(c)
}

func sessionOf(c fiber.Ctx) *webSession {
	ws, _ := c.Locals(localSession).(*webSession)
	return ws
}

// cookieWriter is the http.ResponseWriter gorilla sessions writes cookies to.
type cookieWriter http.Header

func (w cookieWriter) Header() http.Header         { return http.Header(w) }
func (w cookieWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w cookieWriter) WriteHeader(int)             {}
