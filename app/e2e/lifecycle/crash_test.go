package lifecycle

import (
	"testing"
	"time"

	"github.com/gocraft/work"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest/proc"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/jobs"
)

// TestWorkerKilledMidStage: a worker process dies with SIGKILL while it runs stages. A
// fresh worker process notices the expired leases, runs those steps again, and the run
// completes exactly once.
func TestWorkerKilledMidStage(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const rows = 40 * chunkRows
		id := h.submit(t, csvRows(rows))
		h.reportUnfinished(t, id)

		// Kill a worker while a step is running under its lease. A stage may finish between
		// seeing it running and the kill; the rows left running after the kill are the
		// truth, and another worker is tried if there are none.
		var killed []*entapi.Step
		for try := 1; len(killed) == 0; try++ {
			require.LessOrEqual(t, try, 5, "no step was running when a worker was killed")
			w := h.worker(t, "worker-killed")
			eventually(t, time.Minute, "a running step", func() bool {
				return h.count(t, id, func(s *entapi.Step) bool {
					return s.Status == step.StatusRunning && s.LeaseOwner != ""
				}) > 0
			})
			w.Kill(t)
			for _, s := range h.steps(t, id) {
				if s.Status == step.StatusRunning && s.LeaseOwner != "" {
					killed = append(killed, s)
				}
			}
		}

		h.worker(t, "worker-fresh")
		h.completedOnce(t, id, rows)
		for _, k := range killed {
			s, err := h.db().Step.Get(sys(), k.ID)
			require.NoError(t, err)
			require.Equal(t, step.StatusSucceeded, s.Status, "%s %d", s.Kind, s.Chunk)
			require.Equal(t, k.Attempt+1, s.Attempt, "%s %d: the killed attempt ran again", s.Kind, s.Chunk)
			require.NotEqual(t, k.LeaseOwner, s.LeaseOwner)
		}
	})
}

// TestRedisFlushedMidRun: Redis loses every queued job in the middle of a run; the
// reconciler in the worker process dispatches the queued steps again from SQL and the
// run completes exactly once.
func TestRedisFlushedMidRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const rows = 40 * chunkRows
		w := h.worker(t, "worker")
		id := h.submit(t, csvRows(rows))
		queued := func(s *entapi.Step) bool { return s.Status == step.StatusQueued }
		eventually(t, time.Minute, "chunk steps queued", func() bool {
			return h.count(t, id, func(s *entapi.Step) bool { return s.Kind == "normalize" }) > 0 &&
				h.count(t, id, queued) >= 8
		})
		h.flushRedis(t)
		require.NotZero(t, h.count(t, id, queued), "steps whose jobs were lost")

		h.completedOnce(t, id, rows)
		require.True(t, w.WaitOutput("jobs: re-dispatched lost steps", 10*time.Second),
			"the reconciler re-dispatched the lost jobs")
	})
}

// TestDuplicateAndStaleDeliveries: every step's job is delivered a second time while
// the run is in flight, and once more after it finished. Claims are fenced: every step
// runs once and every effect happens once.
func TestDuplicateAndStaleDeliveries(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const rows = 10 * chunkRows
		w := h.worker(t, "worker")
		rds, ns := h.env.Stack.Base.Redis, h.env.Config.RedisNamespace
		id := h.submit(t, csvRows(rows))

		seen := map[string]bool{}
		for {
			var fresh []*entapi.Step
			for _, s := range h.steps(t, id) {
				if !seen[s.ID] {
					seen[s.ID] = true
					fresh = append(fresh, s)
				}
			}
			require.NoError(t, jobs.Redeliver(rds, ns, fresh...))
			if seen[stepOf(t, h, id, "notify")] {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		h.completedOnce(t, id, rows)

		// Stale deliveries of every step of the finished run.
		require.NoError(t, jobs.Redeliver(rds, ns, h.steps(t, id)...))
		client := work.NewClient(ns, rds.Pool)
		eventually(t, time.Minute, "the queues drained", func() bool {
			qs, err := client.Queues()
			if err != nil {
				return false // gocraft's Queues races with a queue emptied between its reads
			}
			for _, q := range qs {
				if q.Count > 0 {
					return false
				}
			}
			return true
		})
		stopWorker(t, w) // every job it took has been handled when it exits

		h.completedOnce(t, id, rows)
		for _, s := range h.steps(t, id) {
			require.Equal(t, 1, s.Attempt, "%s %d ran once", s.Kind, s.Chunk)
		}
	})
}

// stepOf is the id of the task's step of kind, or "" while there is none.
func stepOf(t *testing.T, h *harness, taskID, kind string) string {
	for _, s := range h.steps(t, taskID) {
		if s.Kind == kind {
			return s.ID
		}
	}
	return ""
}

// stopWorker sends SIGTERM and requires a clean exit within the grace.
func stopWorker(t *testing.T, w *proc.Process) {
	t.Helper()
	require.True(t, w.WaitOutput("worker: started", 30*time.Second), "%s started", w.Name)
	w.Signal(t, sigterm)
	code, err := w.Wait(30 * time.Second)
	require.NoError(t, err)
	require.Equal(t, 0, code, "exit code of %s", w.Name)
}
