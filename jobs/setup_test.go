package jobs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// env is one backend: an API database, Redis under a fresh namespace, blobs in a temp
// dir, and an HTTP server standing in for the web app's webhook receiver.
type env struct {
	name  string
	db    *entapi.Client
	rds   *platform.Redis
	mini  *miniredis.Miniredis // nil on a real Redis
	ns    string
	blobs *testBlobs
	web   *webhookSink
	org   string
	log   *slog.Logger
	url   string // the database's
}

const testSecret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"

// eachBackend runs fn on SQLite+miniredis, and on Postgres+Redis when TEST_POSTGRES_URL and
// TEST_REDIS_URL are set.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite+miniredis", func(t *testing.T) {
		fn(t, newEnv(t, "sqlite", storetest.SQLite(t), ""))
	})
	t.Run("postgres+redis", func(t *testing.T) {
		url := os.Getenv("TEST_REDIS_URL")
		if url == "" {
			storetest.SkipOrFail(t, "TEST_REDIS_URL is not set: skipping Postgres+Redis")
		}
		fn(t, newEnv(t, "postgres", storetest.Postgres(t), url))
	})
}

func newEnv(t testing.TB, name, dbURL, redisURL string) *env {
	// The tables come from the committed migrations, as in production.
	db, err := store.OpenAPI(context.Background(), config.Config{Env: config.EnvTest, APIDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })

	e := &env{name: name, url: dbURL, db: db, ns: "jobstest-" + randHex(6), org: platform.NewID(),
		log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if redisURL == "" {
		e.mini = miniredis.RunT(t)
		t.Cleanup(platform.ExpireKeys(e.mini, 100*time.Millisecond)) // keys expire as on a server
		e.rds = &platform.Redis{Pool: platform.NewRedisPool("redis://" + e.mini.Addr()), URL: "redis://" + e.mini.Addr()}
	} else {
		e.rds, err = platform.OpenRedis(redisURL)
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		e.dropNamespace(t)
		e.rds.Pool.Close()
	})
	blobs, err := platform.OpenDirBlobs(filepath.Join(t.TempDir(), "blobs"))
	require.NoError(t, err)
	e.blobs = &testBlobs{Blobs: blobs, puts: map[string]int{}}
	e.web = newWebhookSink(t)
	return e
}

// flushRedis loses every job: FLUSHALL on miniredis; on a shared real Redis, the
// namespace's keys only (the same loss as far as this namespace can tell).
func (e *env) flushRedis(t testing.TB) {
	if e.mini != nil {
		e.mini.FlushAll()
		return
	}
	e.dropNamespace(t)
}

func (e *env) dropNamespace(t testing.TB) {
	c := e.rds.Pool.Get()
	defer c.Close()
	cursor := "0"
	for {
		v, err := redis.Values(c.Do("SCAN", cursor, "MATCH", e.ns+":*", "COUNT", 1000))
		if err != nil {
			t.Logf("scan %s: %v", e.ns, err)
			return
		}
		cursor, _ = redis.String(v[0], nil)
		keys, _ := redis.Strings(v[1], nil)
		for _, k := range keys {
			_, _ = c.Do("DEL", k)
		}
		if cursor == "0" {
			return
		}
	}
}

// testOptions are short timings so repairs happen within a test.
func testOptions() PoolOptions {
	return PoolOptions{
		Concurrency:     4,
		Reconcile:       true,
		Lease:           3 * time.Second,
		ReconcileEvery:  100 * time.Millisecond,
		RedispatchAfter: 500 * time.Millisecond,
	}
}

func (e *env) deps() Deps {
	return Deps{
		DB: e.db, Redis: e.rds, Namespace: e.ns, Blobs: e.blobs,
		Events: events.NewPublisher(e.rds.Pool, e.ns), WebURL: e.web.srv.URL,
		WebhookSecret: testSecret, Log: e.log,
	}
}

// newPool builds a pool with fast retries; start it with startPool.
func (e *env) newPool(t testing.TB, opts PoolOptions) *Pool {
	p := NewPool(e.deps(), opts)
	fast := backoff{Base: 20 * time.Millisecond, Cap: 100 * time.Millisecond}
	p.runner.backoffs = map[string]backoff{classRateLimit: fast, classTimeout: fast, classTransient: fast}
	return p
}

func (e *env) startPool(t testing.TB, opts PoolOptions) *Pool {
	p := e.newPool(t, opts)
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

func (e *env) client() *Client { return NewClient(e.db, e.rds, e.ns, e.log) }

// sys is the worker's view of the database.
func sys() context.Context { return tenant.System(context.Background()) }

// processingTask is a processing task on ds with an hour to its deadline, created
// directly: no steps, nothing dispatched.
func (e *env) processingTask(t testing.TB, ds *entapi.Dataset) *entapi.Task {
	tk, err := e.db.Task.Create().SetOrgID(e.org).SetDatasetID(ds.ID).SetStatus(task.StatusProcessing).
		SetDeadline(now().Add(time.Hour)).Save(sys())
	require.NoError(t, err)
	return tk
}

// dataset stores csv as a blob and its row with the layout report.Scan gives it.
func (e *env) dataset(t testing.TB, csv []byte, chunkRows int, withLayout bool) *entapi.Dataset {
	ctx := sys()
	key := "datasets/" + platform.NewID() + ".csv"
	_, err := e.blobs.Blobs.Put(ctx, key, bytes.NewReader(csv))
	require.NoError(t, err)
	l, err := report.Scan(bytes.NewReader(csv), report.ScanOptions{ChunkRows: chunkRows})
	require.NoError(t, err)
	c := e.db.Dataset.Create().SetOrgID(e.org).SetName("people.csv").SetBlobKey(key).
		SetSizeBytes(int64(len(csv))).SetRows(l.Rows).SetColumns(l.Columns)
	if withLayout {
		b, err := json.Marshal(l)
		require.NoError(t, err)
		c.SetLayout(b)
	}
	ds, err := c.Save(ctx)
	require.NoError(t, err)
	return ds
}

// waitTask polls until the task reaches one of statuses.
func (e *env) waitTask(t testing.TB, id string, timeout time.Duration, statuses ...task.Status) *entapi.Task {
	t.Helper()
	var last *entapi.Task
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		tk, err := e.db.Task.Get(sys(), id)
		require.NoError(t, err)
		last = tk
		for _, s := range statuses {
			if tk.Status == s {
				return tk
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Failf(t, "task did not finish", "task %s: status %s stage %s error %q after %s", id, last.Status, last.Stage, last.Error, timeout)
	return nil
}

// eventually polls cond.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Fail(t, "timed out waiting: "+what)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testWriter sends logs to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// testBlobs counts writes per key and can fail or hold reads of the dataset.
type testBlobs struct {
	platform.Blobs
	mu   sync.Mutex
	puts map[string]int
	// rangeHook, when set, runs before every OpenRange; an error fails the read.
	rangeHook func(ctx context.Context, key string, offset int64) error
}

func (b *testBlobs) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	b.mu.Lock()
	b.puts[key]++
	b.mu.Unlock()
	return b.Blobs.Put(ctx, key, r)
}

func (b *testBlobs) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	b.mu.Lock()
	hook := b.rangeHook
	b.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, key, offset); err != nil {
			return nil, err
		}
	}
	return b.Blobs.OpenRange(ctx, key, offset, length)
}

func (b *testBlobs) setRangeHook(h func(ctx context.Context, key string, offset int64) error) {
	b.mu.Lock()
	b.rangeHook = h
	b.mu.Unlock()
}

func (b *testBlobs) putCounts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.puts))
	for k, v := range b.puts {
		out[k] = v
	}
	return out
}
