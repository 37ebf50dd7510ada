package web

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/mail/mailtest"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/ent/web/outgoingmail"
	"github.com/assayhq/assay/jobs"
)

// mailEnv is the web app with its mail pool delivering to a local SMTP sink.
type mailEnv struct {
	*testEnv
	sink *mailtest.Sink
}

// eachMailDB runs f on SQLite, and on Postgres when TEST_POSTGRES_URL is set.
func eachMailDB(t *testing.T, f func(t *testing.T, env *mailEnv), opts ...func(*config.Config)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, dbURL string) { f(t, newMailEnv(t, dbURL, opts...)) })
}

func newMailEnv(t *testing.T, dbURL string, opts ...func(*config.Config)) *mailEnv {
	t.Helper()
	env := newEnv(t, dbURL, opts...)
	sink := mailtest.Start(t)
	rds, err := platform.OpenRedis("")
	require.NoError(t, err)
	t.Cleanup(func() { rds.Close() })
	sender, err := mail.NewSMTP(sink.URL(), "Assay <no-reply@assay.test>")
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pool := jobs.NewMailPool(rds, "webmailtest", &mail.Deliverer{DB: env.db, Sender: sender}, log, jobs.MailPoolOptions{})
	pool.Start()
	t.Cleanup(pool.Stop)
	// The same app, with the pool as its mail queue.
	srv, err := New(Deps{Config: env.cfg, DB: env.db, Signer: env.signer, Hub: env.hub, Log: log,
		HTTP: env.api.srv.Client(), Limiter: testLimiter(t, rds, env.cfg), Mail: pool})
	require.NoError(t, err)
	env.srv, env.app = srv, srv.App()
	return &mailEnv{testEnv: env, sink: sink}
}

// follow opens a link from an email: its path and query on this app.
func (c *client) follow(link string) response {
	c.t.Helper()
	u, err := url.Parse(link)
	require.NoError(c.t, err)
	require.Equal(c.t, "http://assay.test", u.Scheme+"://"+u.Host, "links point at WEB_URL")
	return c.get(u.RequestURI())
}

// confirmLink opens link and presses the confirm page's button.
func (c *client) confirmLink(link string) response {
	c.t.Helper()
	page := c.follow(link)
	require.Equal(c.t, 200, page.StatusCode, page.Body)
	doc := page.doc(c.t)
	action := doc.Find("#confirm-form").AttrOr("action", "")
	token := doc.Find(`#confirm-form input[name="token"]`).AttrOr("value", "")
	require.NotEmpty(c.t, token)
	return c.postForm(action, url.Values{"token": {token}})
}

// loginWith posts the login form.
func (e *mailEnv) loginWith(t *testing.T, email, password string) response {
	t.Helper()
	c := e.client(t)
	c.get("/login")
	return c.postForm("/login", url.Values{"email": {email}, "password": {password}})
}

// mailRows counts the outbox rows for to.
func (e *mailEnv) mailRows(t *testing.T, to string) int {
	t.Helper()
	return e.db.OutgoingMail.Query().Where(outgoingmail.To(to)).CountX(context.Background())
}
