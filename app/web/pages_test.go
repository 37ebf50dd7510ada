package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPublicRoutes(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.client(t)
	tests := []struct {
		name, path  string
		status      int
		contentType string
		contains    string
		cache       string
	}{
		{"landing", "/", 200, "text/html", "Know how good your data is", ""},
		{"signup", "/signup", 200, "text/html", `id="signup-submit"`, ""},
		{"forgot password", "/password/forgot", 200, "text/html", `id="forgot-submit"`, ""},
		{"reset without token", "/password/reset", 400, "text/html", `id="notice-error"`, ""},
		{"login", "/login", 200, "text/html", `id="login-submit"`, ""},
		{"health", "/healthz", 200, "text/plain", "ok", "no-store"},
		{"jwks", "/.well-known/jwks.json", 200, "application/json", `"keys"`, "public, max-age=300"},
		{"htmx", "/static/js/htmx.min.js", 200, "javascript", "htmx", "public, max-age=604800"},
		{"sse extension", "/static/js/htmx-ext-sse.min.js", 200, "javascript", "sse", "public, max-age=604800"},
		{"stylesheet", "/static/css/app.css", 200, "text/css", "--accent", "public, max-age=604800"},
		{"unknown static", "/static/nope.js", 404, "text/html", "Page not found", ""},
		{"unknown page", "/nope", 404, "text/html", "Page not found", ""},
		{"dashboard signed out", "/dashboard", 303, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := c.get(tc.path)
			require.Equal(t, tc.status, res.StatusCode, res.Body)
			require.Contains(t, res.Header.Get("Content-Type"), tc.contentType)
			require.Contains(t, res.Body, tc.contains)
			if tc.cache != "" {
				require.Equal(t, tc.cache, res.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := newSQLiteEnv(t)
	for _, path := range []string{"/", "/login", "/nope", "/static/css/app.css", "/healthz"} {
		res := env.client(t).get(path)
		csp := res.Header.Get("Content-Security-Policy")
		require.Equal(t, contentSecurityPolicy, csp, path)
		require.NotContains(t, csp, "unsafe-", path)
		require.Contains(t, csp, "frame-ancestors 'none'")
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), path)
		require.Equal(t, "same-origin", res.Header.Get("Referrer-Policy"), path)
		require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"), path)
	}
}

func TestJWKSServesSignerKeys(t *testing.T) {
	env := newSQLiteEnv(t)
	res := env.client(t).get("/.well-known/jwks.json")
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &set))
	require.Len(t, set.Keys, 1)
	require.Equal(t, env.signer.KeyID(), set.Keys[0].Kid)
	require.Equal(t, "OKP", set.Keys[0].Kty)
}

func TestFullPageOrFragment(t *testing.T) {
	env := newSQLiteEnv(t)
	tests := []struct {
		name    string
		headers []string
		full    bool
	}{
		{"plain", nil, true},
		{"htmx", []string{hxRequest, "true"}, false},
		{"boosted", []string{hxRequest, "true", hxBoosted, "true"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/login", "/nope"} {
				res := env.client(t).get(path, tc.headers...)
				require.Equal(t, tc.full, strings.Contains(res.Body, "<html"), path)
				require.Contains(t, res.Header.Get("Vary"), hxRequest, path)
				require.Equal(t, 1, res.doc(t).Find("#login-form, #error").Length(), path)
			}
		})
	}
}

func TestSignedOutHTMXGetsHXRedirect(t *testing.T) {
	env := newSQLiteEnv(t)
	res := env.client(t).get("/dashboard", hxRequest, "true")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "/login", res.Header.Get(hxRedirect))
}

// TestSignedInPagesAreNotKept: pages of a session (its data, its CSRF token) stay out of
// the HTTP cache and out of htmx's history snapshots in localStorage, so nothing of them
// outlives a logout on a shared machine.
func TestSignedInPagesAreNotKept(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	id := env.seedTask(t, o, "completed")
	for _, path := range []string{"/dashboard", "/tasks/" + id, "/tasks/" + id + "/report", "/login"} {
		res := c.get(path)
		require.Contains(t, res.Header.Get("Cache-Control"), "no-store", path)
	}
	res := c.get("/dashboard")
	raw, ok := res.doc(t).Find(`meta[name="htmx-config"]`).Attr("content")
	require.True(t, ok)
	var cfg struct {
		HistoryCacheSize     *int `json:"historyCacheSize"`
		RefreshOnHistoryMiss bool `json:"refreshOnHistoryMiss"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &cfg))
	require.NotNil(t, cfg.HistoryCacheSize, "htmx keeps 10 page snapshots in localStorage by default")
	require.Zero(t, *cfg.HistoryCacheSize)
	require.True(t, cfg.RefreshOnHistoryMiss, "a history miss must load the whole page, not a fragment")
}
