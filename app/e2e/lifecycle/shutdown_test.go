package lifecycle

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest/proc"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
)

const sigterm = syscall.SIGTERM

// TestRollingRestartLosesNothing: two worker processes run several pipelines; each is
// sent SIGTERM in turn and replaced. The stopped ones exit 0 within the grace, and every
// run completes exactly once.
func TestRollingRestartLosesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const rows = 20 * chunkRows
		a := h.worker(t, "worker-a", "WORKERS=2")
		b := h.worker(t, "worker-b", "WORKERS=2")
		var ids []string
		submit := func() {
			for range 3 {
				ids = append(ids, h.submit(t, csvRows(rows)))
			}
		}
		submit()
		running := func() bool {
			n := 0
			for _, id := range ids {
				n += h.count(t, id, func(s *entapi.Step) bool { return s.Status == step.StatusRunning })
			}
			return n > 0
		}
		eventually(t, time.Minute, "stages running", running)
		stopWorker(t, a)
		h.worker(t, "worker-a2", "WORKERS=2")
		// The other worker may have finished the first runs while this one stopped: more
		// runs, so the second stop lands in the middle of stages too.
		submit()
		eventually(t, time.Minute, "stages running", running)
		stopWorker(t, b)
		h.worker(t, "worker-b2", "WORKERS=2")
		for _, id := range ids {
			h.completedOnce(t, id, rows)
		}
	})
}

// TestAPIShutdown: on SIGTERM an `assay api` process answers readiness with 503 at once
// while it still serves (SHUTDOWN_DELAY), ends its event streams with a retry hint so
// clients reconnect elsewhere, and exits 0.
func TestAPIShutdown(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		addr := freeAddr(t)
		api := proc.Start(t, "api", bin, proc.WorkerEnv(h.env.Config, "API_ADDR="+addr, "WORKERS=0",
			"SHUTDOWN_DELAY=3s", "SHUTDOWN_TIMEOUT=20s"), "api")
		base := "http://" + addr
		eventually(t, 30*time.Second, "the api ready", func() bool { return status(base+"/readyz") == http.StatusOK })
		id := h.submit(t, csvRows(10)) // no workers: it stays pending, its stream open

		req, err := http.NewRequest(http.MethodGet, base+"/v1/api/tasks/"+id+"/events", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+h.key)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		stream := &lines{}
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				stream.add(sc.Text())
			}
		}()
		eventually(t, 10*time.Second, "the first event", func() bool { return stream.has("event: progress") })
		before := len(stream.all())

		api.Signal(t, sigterm)
		eventually(t, 3*time.Second, "readiness failing", func() bool { return status(base+"/readyz") == http.StatusServiceUnavailable })
		require.False(t, stream.has(": server shutting down, reconnect"), "streams stay open during the delay")
		select {
		case <-ended:
		case <-time.After(20 * time.Second):
			t.Fatal("the event stream did not end at shutdown")
		}
		tail := stream.all()[before:]
		require.Contains(t, tail, ": server shutting down, reconnect")
		require.Contains(t, tail, "retry: 2000")
		code, err := api.Wait(30 * time.Second)
		require.NoError(t, err)
		require.Equal(t, 0, code)
		require.Contains(t, api.Output(), "api: stopped")
	})
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// status is the status code of a GET, 0 when the request fails.
func status(url string) int {
	res, err := http.Get(url) // #nosec G107 -- a loopback URL of the test's own child process
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// lines collects a stream's lines for the test to read while they arrive.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, s)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

func (l *lines) has(prefix string) bool {
	for _, s := range l.all() {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
