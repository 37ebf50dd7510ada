package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
)

// browser is a cookie-keeping HTTP client that remembers the last page's CSRF token.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: base, hc: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) read(res *http.Response, err error) (*http.Response, *goquery.Document) {
	b.t.Helper()
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	require.NoError(b.t, err)
	if tok, ok := doc.Find(`meta[name="csrf-token"]`).Attr("content"); ok {
		b.csrf = tok
	}
	return res, doc
}

func (b *browser) get(path string) (*http.Response, *goquery.Document) {
	b.t.Helper()
	return b.read(b.hc.Get(b.base + path))
}

func (b *browser) post(path string, form url.Values) (*http.Response, *goquery.Document) {
	b.t.Helper()
	form.Set("csrf_token", b.csrf)
	return b.read(b.hc.Post(b.base+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())))
}

// Through both real apps: a new owner creates a read-only key in the browser, uses it
// against the API, revokes it, and the next call with it fails.
func TestAPIKeyFromTheBrowser(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		b := newBrowser(t, env.WebURL)
		b.get("/signup")
		res, _ := b.post("/signup", url.Values{
			"email":    {fmt.Sprintf("keys-%d@example.com", time.Now().UnixNano())},
			"password": {apptest.Password}, "org": {"Key Org"},
		})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)

		res, doc := b.get("/settings/api-keys")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 1, doc.Find("#no-api-keys").Length())
		res, doc = b.post("/settings/api-keys", url.Values{"name": {"reporting"}, "scopes": {"read"}})
		require.Equal(t, http.StatusOK, res.StatusCode, doc.Text())
		key := doc.Find("#new-key-value").AttrOr("value", "")
		require.True(t, strings.HasPrefix(key, "assay_"), "the key is shown once: %q", key)
		rows := doc.Find(".api-key-row")
		require.Equal(t, 1, rows.Length())
		id := strings.TrimPrefix(rows.AttrOr("id", ""), "api-key-")

		api := env.API(t, http.MethodGet, "/v1/api/tasks", key, "", nil)
		require.Equal(t, http.StatusOK, api.StatusCode, "%s", api.Body)
		api = env.API(t, http.MethodPost, "/v1/api/tasks", key, "application/json", `{"dataset_id":"x","rules":[]}`)
		require.Equal(t, http.StatusForbidden, api.StatusCode, "a read-only key may not write: %s", api.Body)
		require.Contains(t, string(api.Body), `lacks the \"write\" scope`)

		_, doc = b.get("/settings/api-keys")
		require.NotEqual(t, "never", strings.TrimSpace(doc.Find("#api-key-"+id+" .last-used").Text()), "the use shows")

		res, _ = b.post("/settings/api-keys/"+id+"/revoke", url.Values{"confirm": {"yes"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		api = env.API(t, http.MethodGet, "/v1/api/tasks", key, "", nil)
		require.Equal(t, http.StatusUnauthorized, api.StatusCode, "%s", api.Body)
		require.Contains(t, string(api.Body), "revoked")

		_, doc = b.get("/settings/api-keys")
		require.Contains(t, doc.Find("#api-key-"+id+" .status").Text(), "revoked")
	})
}
