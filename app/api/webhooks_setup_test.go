package api_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/jobs"
)

var testSealKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// fakeResolver answers every host with addr, as a public DNS name would.
type fakeResolver struct{ addr netip.Addr }

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{f.addr}, nil
}

// hookEnv is the API with webhook endpoints on: a sealer, loopback allowed by
// ALLOWED_PRIVATE_ADDRESSES unless private is false, and host names resolving to a
// public address at registration.
type hookEnv struct {
	*env
	sealer *webhook.Sealer
	clock  *testClock
}

func newHookEnv(t *testing.T, url string, allowLoopback bool) *hookEnv {
	t.Helper()
	e := newEnv(t, url, func(c *config.Config) {
		c.WebhookEncryptionKey = testSealKey
		if allowLoopback {
			c.AllowedPrivateAddresses = []string{"127.0.0.1/32"}
		}
	})
	sealer, err := webhook.NewSealerBase64(testSealKey)
	require.NoError(t, err)
	_ = e.app.Shutdown()
	e.app = api.New(api.Deps{
		Config: e.cfg, DB: e.db, Blobs: e.blobs, Jobs: e.jobs, Hub: e.hub,
		Verifier: auth.NewVerifier(e.signer.Keys()), Redis: e.redis, Log: slog.New(slog.DiscardHandler),
		Limiter: ratelimit.New(e.redis.Pool, e.cfg.RedisNamespace), Sealer: sealer,
		Resolver: fakeResolver{netip.MustParseAddr("93.184.216.34")},
	}).App()
	return &hookEnv{env: e, sealer: sealer, clock: &testClock{t: time.Now().UTC().Add(time.Hour).Truncate(time.Second)}}
}

// startHookPool runs workers that deliver to endpoints on the test clock.
func (e *hookEnv) startHookPool(t *testing.T, allowLoopback bool) {
	t.Helper()
	var allowed []netip.Prefix
	if allowLoopback {
		allowed = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	pool := jobs.NewPool(jobs.Deps{
		DB: e.db, Redis: e.redis, Namespace: e.cfg.RedisNamespace, Blobs: e.blobs, Events: e.pub,
		Log: slog.New(slog.DiscardHandler), Sealer: e.sealer, EndpointAllowedPrivate: allowed, Clock: e.clock.Now,
	}, jobs.PoolOptions{Concurrency: 2})
	e.jobs.AttachPool(pool)
	pool.Start()
	t.Cleanup(pool.Stop)
}

// testClock is the workers' clock, moved by the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// receiver is an endpoint that records what it gets and answers status.
type receiver struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	got    []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{}
	r.status.Store(int32(status))
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: b})
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
		_, _ = w.Write([]byte(`{"ok":"noted"}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// delivery loads a delivery row of org.
func (e *hookEnv) delivery(t *testing.T, org, id string) *entapi.WebhookDelivery {
	t.Helper()
	d, err := e.db.WebhookDelivery.Get(tenant.With(context.Background(), org), id)
	require.NoError(t, err)
	return d
}

// waitAttempts waits until the delivery has n attempts recorded and is no longer claimed.
func (e *hookEnv) waitAttempts(t *testing.T, org, id string, n int) *entapi.WebhookDelivery {
	t.Helper()
	var d *entapi.WebhookDelivery
	require.Eventually(t, func() bool {
		d = e.delivery(t, org, id)
		return d.Attempts == n && d.LastAttemptAt != nil && d.LastAttemptAt.Sub(e.clock.Now()).Abs() < time.Millisecond
	}, 15*time.Second, 10*time.Millisecond, "delivery %s never reached %d attempts", id, n)
	return d
}

func tenantCtx(org string) context.Context { return tenant.With(context.Background(), org) }
