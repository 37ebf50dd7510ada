package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/mail/mailtest"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/outgoingmail"
)

// mailEnv is the web database's outbox, an SMTP sink and a mail pool on one backend.
type mailEnv struct {
	db     *entweb.Client
	sink   *mailtest.Sink
	pool   *MailPool
	outbox *mail.Outbox
}

func newMailEnv(t *testing.T, e *env, d mail.Deliverer, opts MailPoolOptions) *mailEnv {
	t.Helper()
	dbURL := storetest.SQLite(t)
	if e.name == "postgres" {
		dbURL = storetest.Postgres(t)
	}
	db, err := store.OpenWeb(context.Background(), config.Config{Env: config.EnvTest, WebDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	sink := mailtest.Start(t)
	sender, err := mail.NewSMTP(sink.URL(), "Assay <no-reply@example.com>")
	require.NoError(t, err)
	d.DB, d.Sender = db, sender
	tpl, err := mail.NewTemplates()
	require.NoError(t, err)
	pool := NewMailPool(e.rds, e.ns, &d, e.log, opts)
	t.Cleanup(pool.Stop)
	return &mailEnv{db: db, sink: sink, pool: pool, outbox: mail.NewOutbox(tpl, "http://assay.test")}
}

// add writes an outbox row, as a flow's transaction does.
func (m *mailEnv) add(t *testing.T, to string) string {
	t.Helper()
	id, err := m.outbox.Add(context.Background(), m.db, to, mail.TemplateResetPassword,
		mail.Data{Link: "http://assay.test/password/reset?token=abc", Expires: "1 hour"})
	require.NoError(t, err)
	return id
}

// waitStatus polls the row until it reaches status.
func (m *mailEnv) waitStatus(t *testing.T, id string, status outgoingmail.Status) *entweb.OutgoingMail {
	t.Helper()
	var row *entweb.OutgoingMail
	require.Eventually(t, func() bool {
		row = m.db.OutgoingMail.GetX(context.Background(), id)
		return row.Status == status
	}, 20*time.Second, 20*time.Millisecond, "mail %s never became %s", id, status)
	return row
}

func oneSecond(int) time.Duration { return time.Second }

func TestMailRetriesTransientFailure(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		m := newMailEnv(t, e, mail.Deliverer{Backoff: oneSecond}, MailPoolOptions{SweepEvery: time.Hour})
		m.sink.FailNext(1)
		id := m.add(t, "retry@example.com")
		m.pool.Start()
		require.NoError(t, m.pool.Enqueue(context.Background(), id))

		got := m.sink.Wait(t, "retry@example.com", 1)
		row := m.waitStatus(t, id, outgoingmail.StatusSent)
		require.Equal(t, 2, row.Attempts, "one refused attempt, one that succeeded")
		require.Empty(t, row.LastError)
		require.NotNil(t, row.SentAt)
		require.Empty(t, row.Text, "the body (with its link) is not kept once sent")
		require.Empty(t, row.HTML)
		require.Equal(t, "Reset your Assay password", got.Subject)
		require.Equal(t, "http://assay.test/password/reset?token=abc", got.Link(t, "/password/reset"))
		require.Contains(t, got.HTML, `href="http://assay.test/password/reset?token=abc"`)
		require.Len(t, m.sink.Messages(), 1)
	})
}

func TestMailFailsAfterItsAttempts(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		m := newMailEnv(t, e, mail.Deliverer{Backoff: oneSecond, MaxAttempts: 2}, MailPoolOptions{SweepEvery: time.Hour})
		m.sink.FailNext(100)
		id := m.add(t, "never@example.com")
		m.pool.Start()
		require.NoError(t, m.pool.Enqueue(context.Background(), id))

		row := m.waitStatus(t, id, outgoingmail.StatusFailed)
		require.Equal(t, 2, row.Attempts)
		require.Contains(t, row.LastError, "451")
		require.Empty(t, row.Text)
		require.Empty(t, m.sink.Messages())
	})
}

// TestMailSweepSendsWhatRedisLost: a row whose job never reached Redis (or was lost
// with it) is sent by the sweep.
func TestMailSweepSendsWhatRedisLost(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		m := newMailEnv(t, e, mail.Deliverer{}, MailPoolOptions{SweepEvery: 50 * time.Millisecond})
		id := m.add(t, "lost@example.com")
		e.flushRedis(t)
		m.pool.Start()
		m.sink.Wait(t, "lost@example.com", 1)
		m.waitStatus(t, id, outgoingmail.StatusSent)
		require.Len(t, m.sink.Messages(), 1, "sweeps after the send find nothing due")
	})
}

// TestMailDeliversOnce: duplicate jobs for one row (a sweep next to the original) send
// it once.
func TestMailDeliversOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		m := newMailEnv(t, e, mail.Deliverer{}, MailPoolOptions{SweepEvery: time.Hour})
		id := m.add(t, "once@example.com")
		ctx := context.Background()
		for range 3 {
			require.NoError(t, m.pool.Enqueue(ctx, id))
		}
		n, err := m.pool.Sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		m.pool.Start()
		m.waitStatus(t, id, outgoingmail.StatusSent)
		// Once a Drain returns, every worker has run what it fetched and found the queue
		// empty: all four jobs ran, and one message is all there is.
		m.pool.drain.wake()
		m.pool.drain.mu.Lock()
		idle := m.pool.drain.idle
		m.pool.drain.mu.Unlock()
		select {
		case <-idle:
		case <-time.After(20 * time.Second):
			t.Fatal("the mail pool never drained")
		}
		require.Len(t, m.sink.Messages(), 1)
	})
}
