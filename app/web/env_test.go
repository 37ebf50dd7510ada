package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
)

const (
	testPassword = "correct horse battery staple"
	testSecret   = "test-webhook-secret-0123456789abcdef"
)

// testEnv is the web app over a real database and Redis, talking to a fake API.
type testEnv struct {
	cfg    config.Config
	db     *entweb.Client
	srv    *Server
	app    *fiber.App
	api    *fakeAPI
	pub    *events.Publisher
	hub    *events.Hub
	signer *auth.Signer
}

// eachDB runs f on SQLite, and on Postgres when TEST_POSTGRES_URL is set.
func eachDB(t *testing.T, f func(t *testing.T, env *testEnv), opts ...func(*config.Config)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, dbURL string) { f(t, newEnv(t, dbURL, opts...)) })
}

func newSQLiteEnv(t *testing.T, opts ...func(*config.Config)) *testEnv {
	t.Helper()
	return newEnv(t, storetest.SQLite(t), opts...)
}

func newEnv(t *testing.T, dbURL string, opts ...func(*config.Config)) *testEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// The tables come from the committed migrations, as in production.
	db, err := store.OpenWeb(ctx, config.Config{Env: config.EnvTest, WebDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })

	rds, err := platform.OpenRedis("")
	require.NoError(t, err)
	t.Cleanup(func() { rds.Close() })
	ns := "webtest"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	hub := events.NewHub(rds.Pool, ns, log)
	hubDone := make(chan struct{})
	go func() { hub.Run(ctx); close(hubDone) }()
	t.Cleanup(func() { cancel(); <-hubDone })

	seed := make([]byte, 32)
	rand.Read(seed)
	signer, err := auth.NewSigner(base64.StdEncoding.EncodeToString(seed))
	require.NoError(t, err)
	api := newFakeAPI(t, signer)

	cfg := config.Config{
		Env:            config.EnvTest,
		WebURL:         "http://assay.test",
		APIURL:         api.srv.URL,
		SessionSecret:  "test-session-secret-0123456789abcdef",
		WebhookSecret:  testSecret,
		MaxUploadBytes: 8 << 20,
		RedisNamespace: ns,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(Deps{Config: cfg, DB: db, Signer: signer, Hub: hub, Log: log, HTTP: api.srv.Client(),
		Limiter: testLimiter(t, rds, cfg)})
	require.NoError(t, err)
	return &testEnv{
		cfg: cfg, db: db, srv: srv, app: srv.App(), api: api, signer: signer, hub: hub,
		pub: events.NewPublisher(rds.Pool, ns),
	}
}

// owner is a user who owns an organization.
type owner struct {
	UserID, OrgID, Email string
}

var fixtureHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

var fixtureSeq atomic.Int64

// owner creates a user, an organization and the owner membership.
func (e *testEnv) owner(t *testing.T) owner {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("user%d-%d@example.com", fixtureSeq.Add(1), time.Now().UnixNano())
	u, err := e.db.User.Create().SetEmail(email).SetPasswordHash(fixtureHash()).Save(ctx)
	require.NoError(t, err)
	o, err := e.db.Organization.Create().SetName("Org of " + email).Save(ctx)
	require.NoError(t, err)
	require.NoError(t, e.db.Membership.Create().SetUserID(u.ID).SetOrgID(o.ID).SetRole(membership.RoleOwner).Exec(ctx))
	return owner{UserID: u.ID, OrgID: o.ID, Email: email}
}

// client is a browser: it keeps the session cookie and the page's CSRF token.
type client struct {
	t      *testing.T
	env    *testEnv
	cookie *http.Cookie
	csrf   string
}

func (e *testEnv) client(t *testing.T) *client { return &client{t: t, env: e} }

// login signs o in through the login form.
func (e *testEnv) login(t *testing.T, o owner) *client {
	t.Helper()
	c := e.client(t)
	c.get("/login")
	res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, "/dashboard", res.Header.Get("Location"))
	c.get("/dashboard") // picks up the new session's CSRF token
	return c
}

type response struct {
	*http.Response
	Body string
}

func (r response) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	require.NoError(t, err)
	return d
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	res, err := c.env.app.Test(req, fiber.TestConfig{Timeout: 20 * time.Second})
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	for _, ck := range res.Cookies() {
		if ck.Name == cookiePlain || ck.Name == cookieSecure {
			if ck.MaxAge < 0 || ck.Value == "" {
				c.cookie = nil
			} else {
				c.cookie = &http.Cookie{Name: ck.Name, Value: ck.Value}
			}
		}
	}
	r := response{Response: res, Body: string(b)}
	if d, err := goquery.NewDocumentFromReader(bytes.NewReader(b)); err == nil {
		if tok, ok := d.Find(`meta[name="csrf-token"]`).Attr("content"); ok {
			c.csrf = tok
		}
	}
	return r
}

func (c *client) get(path string, headers ...string) response {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// postForm posts form with the page's CSRF token added (unless form sets csrf_token).
func (c *client) postForm(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	if _, ok := form[fieldCSRF]; !ok && c.csrf != "" {
		form.Set(fieldCSRF, c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}
