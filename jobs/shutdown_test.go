package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// TestShutdownReleasesRunningSteps: stages still running when the shutdown grace ends
// are stopped and their steps released — queued, lease cleared, the attempt given back —
// so another worker claims them at once instead of after the lease (an hour here) runs
// out; the run then completes on that worker.
func TestShutdownReleasesRunningSteps(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.Lease = time.Hour // only a release can hand the steps over within the test
		opts.Reconcile = false
		a := e.newPool(t, opts)
		a.Start()
		ds := e.dataset(t, testCSV(20), 5, true)
		started, stopped := blockReads(e, ds.BlobKey)
		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		select {
		case <-started:
		case <-time.After(20 * time.Second):
			t.Fatal("no chunk stage started")
		}
		running, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.StatusEQ(step.StatusRunning)).All(sys())
		require.NoError(t, err)
		require.NotEmpty(t, running)

		a.Shutdown(200 * time.Millisecond) // the blocked stages outlast the grace
		require.NotZero(t, stopped.Load(), "the stages' contexts were cancelled")
		require.GreaterOrEqual(t, a.runner.shut.released.Load(), int64(len(running)))
		for _, r := range running {
			s, err := e.db.Step.Get(sys(), r.ID)
			require.NoError(t, err)
			require.Equal(t, step.StatusQueued, s.Status, s.Kind)
			require.Empty(t, s.LeaseOwner)
			require.Nil(t, s.LeaseUntil)
			require.Equal(t, r.Attempt-1, s.Attempt, "a released attempt is given back")
			require.Empty(t, s.Error, "a release is not a failure")
		}
		// Claimable at once by anyone, although the old lease would have run for an hour.
		released, err := e.db.Step.Get(sys(), running[0].ID)
		require.NoError(t, err)
		c, err := claim(sys(), e.db.Step, released, "next-worker", time.Minute)
		require.NoError(t, err)
		require.NotNil(t, c)
		_, err = yield(sys(), e.db, running[0].ID, "not-the-owner")
		require.NoError(t, err)
		s, err := e.db.Step.Get(sys(), running[0].ID)
		require.NoError(t, err)
		require.Equal(t, "next-worker", s.LeaseOwner, "a release is fenced by the lease owner")
		ok, err := yield(sys(), e.db, running[0].ID, "next-worker")
		require.NoError(t, err)
		require.True(t, ok)

		// Another worker picks the released steps up from the jobs dispatched at release.
		e.blobs.setRangeHook(nil)
		opts.Lease = 3 * time.Second
		e.startPool(t, opts)
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)
		allSucceeded(t, e, tk.ID)
		for _, s := range stepsOf(t, e, tk.ID) {
			require.Equal(t, 1, s.Attempt, "%s %d", s.Kind, s.Chunk)
		}
		n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(sys())
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
}

// TestShutdownLetsStagesFinish: stages running when shutdown begins may finish within
// the grace; nothing is released and nothing re-runs.
func TestShutdownLetsStagesFinish(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := e.newPool(t, testOptions())
		a.Start()
		ds := e.dataset(t, testCSV(20), 5, true)
		gate := make(chan struct{})
		var once sync.Once
		started := make(chan struct{})
		e.blobs.setRangeHook(func(_ context.Context, key string, offset int64) error {
			if key == ds.BlobKey && offset > 0 {
				once.Do(func() { close(started) })
				<-gate
			}
			return nil
		})
		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		<-started
		stopped := make(chan struct{})
		go func() {
			a.Shutdown(time.Minute)
			close(stopped)
		}()
		eventually(t, 5*time.Second, "stopping", a.runner.shut.stopping.Load)
		close(gate) // the running stages finish during the grace
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Fatal("Shutdown did not return after its stages finished")
		}
		require.Zero(t, a.runner.shut.released.Load())
		e.startPool(t, testOptions())
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)
		allSucceeded(t, e, tk.ID)
		for _, s := range stepsOf(t, e, tk.ID) {
			require.Equal(t, 1, s.Attempt, "%s %d ran once", s.Kind, s.Chunk)
		}
	})
}

// allSucceeded waits for every step of the task, notify included (it runs after the
// task completed), to succeed.
func allSucceeded(t *testing.T, e *env, taskID string) {
	t.Helper()
	eventually(t, 20*time.Second, "every step succeeded", func() bool {
		for _, s := range stepsOf(t, e, taskID) {
			if s.Status != step.StatusSucceeded {
				return false
			}
		}
		return true
	})
}
