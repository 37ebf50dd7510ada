package jobs

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/store/storetest"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// idleWait puts every gocraft worker of a fresh pool into its longest sleep: after an
// empty fetch a worker sleeps 0, 10, 100, 1000 ms and then 5 s, so from ~1.11 s after the
// pool starts (with nothing to do) until ~6.11 s, no worker polls Redis by itself. An
// idle minute looks the same: a 5 s sleep between polls. 2.5 s leaves a margin for a
// loaded machine, where the short sleeps stretch.
const idleWait = 2500 * time.Millisecond

// wakeClaim is when a fetch step was claimed and how many Drains had started by then.
type wakeClaim struct {
	at     time.Time
	drains int64
}

// wakeRig is a started pool that reports when it claims a fetch step.
type wakeRig struct {
	e       *env
	pool    *Pool
	claimed chan wakeClaim
	ds      *entapi.Dataset
	created time.Duration // how long the last CreateTask call took
}

func newWakeRig(t testing.TB, e *env) *wakeRig {
	opts := testOptions()
	opts.Reconcile = false
	w := &wakeRig{e: e, claimed: make(chan wakeClaim, 16)}
	w.pool = e.newPool(t, opts)
	w.pool.runner.afterClaim = func(s *entapi.Step) {
		if s.Kind == kindFetch {
			w.claimed <- wakeClaim{at: time.Now(), drains: w.pool.drainCount()}
		}
	}
	w.pool.Start()
	t.Cleanup(w.pool.Stop)
	select {
	case <-w.pool.listen.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("wake listener did not subscribe")
	}
	w.ds = e.dataset(t, testCSV(5), 100, true)
	return w
}

// submit waits until the pool is idle, creates a task with c and returns how long the
// fetch step took to be claimed and whether a Drain started between the submission and
// the claim (the wake, rather than a worker's own poll, brought the job); then it lets
// the run finish.
func (w *wakeRig) submit(t testing.TB, c *Client) (time.Duration, bool) {
	time.Sleep(idleWait)
	before := w.pool.drainCount()
	start := time.Now()
	tk, err := c.CreateTask(sys(), w.ds, nil)
	require.NoError(t, err)
	w.created = time.Since(start)
	got := w.nextClaim(t)
	w.e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted)
	return got.at.Sub(start), got.drains > before
}

func (w *wakeRig) nextClaim(t testing.TB) wakeClaim {
	t.Helper()
	select {
	case c := <-w.claimed:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("fetch was not claimed")
	}
	return wakeClaim{}
}

func TestWakeLatency(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWakeRig(t, e)
		cases := []struct {
			name  string
			setup func(c *Client)
		}{
			{"redis signal", func(*Client) {}},
			{"local signal", func(c *Client) { c.AttachPool(w.pool) }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := e.client()
				tc.setup(c)
				lat, woken := w.submit(t, c)
				// Speed is measured by BenchmarkWakeLatency, not asserted here; the test
				// proves the submission woke the idle workers.
				t.Logf("wake latency (%s, %s): %.2f ms from CreateTask to claim (CreateTask itself: %.2f ms)",
					e.name, tc.name, float64(lat.Microseconds())/1000, float64(w.created.Microseconds())/1000)
				require.True(t, woken, "the submission drained the idle workers")
			})
		}
		// Without a wake the same submission waits for a worker's own poll (seconds, see
		// the log): nothing drained the workers, and the run still completes.
		t.Run("control without wake", func(t *testing.T) {
			c := e.client()
			c.disp.silent = true
			lat, woken := w.submit(t, c)
			t.Logf("no-wake latency (%s): %.0f ms", e.name, float64(lat.Microseconds())/1000)
			require.False(t, woken, "a silent submission wakes nobody; a worker's own poll found the job")
		})
	})
}

// BenchmarkWakeLatency reports how long a task submitted to an idle pool waits before
// its first stage is claimed, through the Redis signal as from another process. Each
// iteration idles the pool first: run with -benchtime=Nx.
func BenchmarkWakeLatency(b *testing.B) {
	b.Run("sqlite+miniredis", func(b *testing.B) {
		benchWake(b, newEnv(b, "sqlite", storetest.SQLite(b), ""))
	})
	b.Run("postgres+redis", func(b *testing.B) {
		url := os.Getenv("TEST_REDIS_URL")
		if url == "" {
			storetest.SkipOrFail(b, "TEST_REDIS_URL is not set: skipping Postgres+Redis")
		}
		benchWake(b, newEnv(b, "postgres", storetest.Postgres(b), url))
	})
}

func benchWake(b *testing.B, e *env) {
	w := newWakeRig(b, e)
	c := e.client()
	var total, worst time.Duration
	b.ResetTimer()
	for range b.N {
		lat, _ := w.submit(b, c)
		total += lat
		worst = max(worst, lat)
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/wake")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/wake")
}

// TestWakeLatencyWhileBusy submits a task while another one holds a worker in a long
// stage: the idle workers must still start it at once.
func TestWakeLatencyWhileBusy(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWakeRig(t, e)
		slow := e.dataset(t, testCSV(10), 5, true)
		release := make(chan struct{})
		e.blobs.setRangeHook(func(ctx context.Context, key string, offset int64) error {
			if key == slow.BlobKey && offset > 0 {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return nil
		})
		defer close(release)
		c := e.client()
		_, err := c.CreateTask(sys(), slow, nil)
		require.NoError(t, err)
		<-w.claimed // the slow task's fetch
		time.Sleep(idleWait)
		before := w.pool.drainCount()
		start := time.Now()
		tk, err := c.CreateTask(sys(), w.ds, nil)
		require.NoError(t, err)
		got := w.nextClaim(t)
		lat := got.at.Sub(start)
		t.Logf("wake latency while busy (%s): %.2f ms", e.name, float64(lat.Microseconds())/1000)
		require.Greater(t, got.drains, before, "an idle worker was drained while another was busy")
		e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted)
	})
}

// TestWakeListenerReconnects restarts Redis under an idle pool: the listener subscribes
// again and wakes still arrive.
func TestWakeListenerReconnects(t *testing.T) {
	e := newEnv(t, "sqlite", storetest.SQLite(t), "")
	w := newWakeRig(t, e)
	e.mini.Close()
	require.NoError(t, e.mini.Restart())
	eventually(t, 10*time.Second, "subscribed again", func() bool { return w.pool.listen.subs.Load() >= 2 })
	lat, woken := w.submit(t, e.client())
	t.Logf("wake latency after a Redis restart: %.2f ms", float64(lat.Microseconds())/1000)
	require.True(t, woken, "the wake arrived over the new subscription")
}
