package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/ent/web/user"
)

func TestOIDCRefusesBadCallbacks(t *testing.T) {
	mp := newMockProvider(t)
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		events := recordEvents(env)
		setQuery := func(raw, key, value string) string {
			u, err := url.Parse(raw)
			require.NoError(t, err)
			q := u.Query()
			if value == "" {
				q.Del(key)
			} else {
				q.Set(key, value)
			}
			u.RawQuery = q.Encode()
			return u.String()
		}
		stateOf := func(authURL string) string {
			u, err := url.Parse(authURL)
			require.NoError(t, err)
			return u.Query().Get("state")
		}
		cases := []struct {
			name string
			// callback plays the flow up to the callback and returns its path.
			callback func(t *testing.T, c *client) string
			status   int
			message  string
			event    string // the identity event recorded, with its reason
		}{
			{"forged state", func(t *testing.T, c *client) string {
				return setQuery(mp.authorize(t, c.startOIDC()), "state", "forged")
			}, http.StatusBadRequest, "did not come from this browser", "oidc.refused state mismatch"},
			{"no state", func(t *testing.T, c *client) string {
				return setQuery(mp.authorize(t, c.startOIDC()), "state", "")
			}, http.StatusBadRequest, "did not come from this browser", "oidc.refused state mismatch"},
			{"replayed state", func(t *testing.T, c *client) string {
				cb := mp.authorize(t, c.startOIDC())
				first := c.get(setQuery(cb, "code", "wrong-code"))
				require.Equal(t, http.StatusBadRequest, first.StatusCode)
				return cb
			}, http.StatusBadRequest, "expired or was not started in this browser", "oidc.refused no sign-in in progress"},
			{"nonce changed", func(t *testing.T, c *client) string {
				return mp.authorize(t, setQuery(c.startOIDC(), "nonce", "attacker-nonce"))
			}, http.StatusBadRequest, "could not be verified", "oidc.refused nonce mismatch"},
			{"nonce missing", func(t *testing.T, c *client) string {
				return mp.authorize(t, setQuery(c.startOIDC(), "nonce", ""))
			}, http.StatusBadRequest, "could not be verified", "oidc.refused nonce mismatch"},
			{"PKCE challenge changed", func(t *testing.T, c *client) string {
				return mp.authorize(t, setQuery(c.startOIDC(), "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
			}, http.StatusBadRequest, "could not be verified", "oidc.refused code exchange refused"},
			{"forged code", func(t *testing.T, c *client) string {
				return setQuery(mp.authorize(t, c.startOIDC()), "code", "forged")
			}, http.StatusBadRequest, "could not be verified", "oidc.refused code exchange refused"},
			{"no code", func(t *testing.T, c *client) string {
				return setQuery(mp.authorize(t, c.startOIDC()), "code", "")
			}, http.StatusBadRequest, "sent no sign-in code", "oidc.refused no code"},
			{"tampered ID token", func(t *testing.T, c *client) string {
				mp.spoil.Store(spoilSignature)
				return mp.authorize(t, c.startOIDC())
			}, http.StatusBadRequest, "could not be verified", "oidc.refused id token invalid"},
			{"ID token for another client", func(t *testing.T, c *client) string {
				mp.spoil.Store(spoilAudience)
				return mp.authorize(t, c.startOIDC())
			}, http.StatusBadRequest, "could not be verified", "oidc.refused id token invalid"},
			{"ID token from another issuer", func(t *testing.T, c *client) string {
				mp.spoil.Store(spoilIssuer)
				return mp.authorize(t, c.startOIDC())
			}, http.StatusBadRequest, "could not be verified", "oidc.refused id token invalid"},
			{"expired ID token", func(t *testing.T, c *client) string {
				mp.m.AccessTTL = -10 * time.Minute
				t.Cleanup(func() { mp.m.AccessTTL = 10 * time.Minute })
				return mp.authorize(t, c.startOIDC())
			}, http.StatusBadRequest, "could not be verified", "oidc.refused id token invalid"},
			{"provider error", func(t *testing.T, c *client) string {
				state := stateOf(c.startOIDC())
				return oidcCallbackPath + "?" + url.Values{"state": {state}, "error": {"access_denied"}, "error_description": {"<b>pwned</b>"}}.Encode()
			}, http.StatusBadRequest, "Sign-in with Google was cancelled", "oidc.provider_error"},
			{"callback without a session", func(t *testing.T, c *client) string {
				cb := mp.authorize(t, c.startOIDC())
				c.cookie = nil
				return cb
			}, http.StatusBadRequest, "expired or was not started in this browser", "oidc.refused no sign-in in progress"},
			{"flow expired", func(t *testing.T, c *client) string {
				cb := mp.authorize(t, c.startOIDC())
				env.srv.oidc.now = func() time.Time { return time.Now().Add(oidcFlowTTL + time.Second) }
				t.Cleanup(func() { env.srv.oidc.now = time.Now })
				return cb
			}, http.StatusBadRequest, "expired or was not started in this browser", "oidc.refused no sign-in in progress"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				users := env.db.User.Query().CountX(ctx)
				ids := env.db.Identity.Query().CountX(ctx)
				c := env.client(t)
				mp.queue("sub-bad", "bad@example.com", true)
				res := c.get(tc.callback(t, c))
				require.Equal(t, tc.status, res.StatusCode, res.Body)
				require.Equal(t, tc.event, events.last())
				msg := res.doc(t).Find("#error").Text()
				require.Contains(t, msg, tc.message)
				require.NotContains(t, res.Body, "pwned")
				require.Equal(t, users, env.db.User.Query().CountX(ctx), "no user created")
				require.Equal(t, ids, env.db.Identity.Query().CountX(ctx), "no identity created")
				require.Zero(t, env.db.User.Query().Where(user.Email("bad@example.com")).CountX(ctx))
				require.Empty(t, c.signedInAs(ctx))
			})
		}
	}, mp.configure)
}

func TestOIDCButtonAndStart(t *testing.T) {
	mp := newMockProvider(t)
	t.Run("configured", func(t *testing.T) {
		env := newSQLiteEnv(t, mp.configure)
		for _, path := range []string{"/login", "/signup"} {
			c := env.client(t)
			res := c.get(path)
			doc := res.doc(t)
			require.Equal(t, "Continue with Google", strings.TrimSpace(doc.Find("#oidc-submit").Text()), path)
			require.Equal(t, "/auth/oidc/start", doc.Find("#oidc-form").AttrOr("action", ""))
			require.Equal(t, "false", doc.Find("#oidc-form").AttrOr("hx-boost", ""), "a full navigation, not an XHR")
			require.Equal(t, c.csrf, doc.Find(`#oidc-form input[name="csrf_token"]`).AttrOr("value", ""))
			csp := res.Header.Get("Content-Security-Policy")
			require.Contains(t, csp, "form-action 'self' "+origin(mp.m.Issuer()))
			require.NotContains(t, csp, "unsafe-inline")
			requireNoInlineCode(t, doc)
			// Reached by a boosted link, the page loads as a document of its own: the
			// button's form is not boosted, and its redirect to the provider is allowed only
			// by this page's policy.
			res = c.get(path+"?next=%2Fdatasets", hxRequest, "true", hxBoosted, "true")
			require.Equal(t, http.StatusOK, res.StatusCode, path)
			require.Equal(t, path+"?next=%2Fdatasets", res.Header.Get(hxRedirect), path)
		}
		// Elsewhere forms stay on this site.
		require.True(t, strings.HasSuffix(env.client(t).get("/").Header.Get("Content-Security-Policy"), "form-action 'self'"))

		c := env.client(t)
		c.get("/login")
		res := c.postForm("/auth/oidc/start", url.Values{fieldCSRF: {"forged"}})
		require.Equal(t, http.StatusForbidden, res.StatusCode, "a cross-site POST starts nothing")
		for _, row := range env.db.Session.Query().AllX(context.Background()) {
			require.NotContains(t, string(row.Data), keyOIDCState)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		env := newSQLiteEnv(t)
		c := env.client(t)
		require.Zero(t, c.get("/login").doc(t).Find("#oidc-form").Length())
		require.Zero(t, c.get("/signup").doc(t).Find("#oidc-form").Length())
		require.Equal(t, http.StatusNotFound, c.postForm("/auth/oidc/start", url.Values{}).StatusCode)
		require.Equal(t, http.StatusNotFound, c.get(oidcCallbackPath+"?state=x&code=y").StatusCode)
		require.Equal(t, http.StatusNotFound, c.get(oidcLinkPath).StatusCode)
	})
	t.Run("provider down", func(t *testing.T) {
		env := newSQLiteEnv(t, func(c *config.Config) {
			c.OIDC = config.OIDC{Issuer: "http://127.0.0.1:1/oidc", ClientID: "id", ClientSecret: "secret", ProviderName: "Google"}
		})
		c := env.client(t)
		require.Equal(t, http.StatusOK, c.get("/login").StatusCode, "the login page does not wait for the provider")
		for range 2 {
			res := c.postForm("/auth/oidc/start", url.Values{})
			require.Equal(t, http.StatusBadGateway, res.StatusCode)
			require.Contains(t, res.doc(t).Find("#error").Text(), "Google sign-in is unavailable right now")
		}
	})
}

// Guessing the password of the account to link counts against the auth limit like the
// login form, and a refused attempt links nothing even with the right password.
func TestOIDCLinkIsRateLimited(t *testing.T) {
	mp := newMockProvider(t)
	eachLimitBackend(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.client(t)
		mp.queue("sub-flood", o.Email, true)
		res := c.get(mp.authorize(t, c.startOIDC()))
		require.Equal(t, oidcLinkPath, res.Header.Get("Location"), res.Body)
		c.get(oidcLinkPath)
		for i := range 3 {
			res := c.postForm(oidcLinkPath, url.Values{"email": {o.Email}, "password": {"wrong " + strconv.Itoa(i)}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
		}
		res = c.postForm(oidcLinkPath, url.Values{"email": {o.Email}, "password": {testPassword}})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#link-error").Text(), "Too many attempts")
		require.Nil(t, identityOf(t, env.db, mp.m.Issuer(), "sub-flood"))
		require.Empty(t, c.signedInAs(context.Background()))
	}, mp.configure)
}
