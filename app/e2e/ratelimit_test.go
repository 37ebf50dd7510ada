package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
)

// The limits as deployed: both apps wired to the shared Redis by the same code as
// production.
func TestRateLimitsAsWired(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		key := env.APIKey(t, env.Org(t))
		for range 3 {
			res := env.API(t, http.MethodGet, "/v1/api/tasks", key, "", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.Body)
			require.Equal(t, "3", res.Header.Get("RateLimit-Limit"))
		}
		res := env.API(t, http.MethodGet, "/v1/api/tasks", key, "", nil)
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
		require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
		require.NotEmpty(t, res.Header.Get("Retry-After"))

		// The web app: a browser that fails to log in twice is then refused.
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		page, err := hc.Get(env.WebURL + "/login")
		require.NoError(t, err)
		doc, err := goquery.NewDocumentFromReader(page.Body)
		page.Body.Close()
		require.NoError(t, err)
		token := doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
		require.NotEmpty(t, token)
		var last *http.Response
		for range 3 {
			form := url.Values{"email": {"someone@example.com"}, "password": {"not the password"}, "csrf_token": {token}}
			last, err = hc.Post(env.WebURL+"/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			require.NoError(t, err)
			last.Body.Close()
		}
		require.Equal(t, http.StatusTooManyRequests, last.StatusCode)
		require.NotEmpty(t, last.Header.Get("Retry-After"))
	}, apptest.WithConfig(func(c *config.Config) {
		c.RateLimitAPIPerMinute = 3
		c.RateLimitAuthPer15m = 2
	}))
}
