package jobs

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

func TestPoisonChunkFailsTask(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p := e.newPool(t, testOptions())
		var claims atomic.Int32
		p.runner.afterClaim = func(*entapi.Step) { claims.Add(1) }
		p.Start()
		t.Cleanup(p.Stop)

		// The layout is of the good file; the stored bytes break a row of chunk 3 (same
		// size, so fetch's size check passes).
		csv := testCSV(30)
		ds := e.dataset(t, csv, 5, true)
		bad := bytes.Replace(csv, []byte("Person 12,"), []byte("Person,12,"), 1)
		require.Len(t, bad, len(csv))
		_, err := e.blobs.Blobs.Put(sys(), ds.BlobKey, bytes.NewReader(bad))
		require.NoError(t, err)

		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusFailed, task.StatusCompleted)
		require.Equal(t, task.StatusFailed, done.Status)
		require.Regexp(t, regexp.MustCompile(`^The (normalize|enrich|validate) stage failed: part 3 of the dataset does not match`), done.Error)
		require.NotNil(t, done.FinishedAt)

		eventually(t, 10*time.Second, "failure webhook", func() bool {
			got, _ := e.web.received()
			return len(got) == 1 && got[0].Body.Type == webhook.EventTaskFailed && got[0].Body.Data.Error == done.Error
		})
		// It does not loop: one failed step, tried once; nothing left to run.
		settled := claims.Load()
		time.Sleep(time.Second)
		require.Equal(t, settled, claims.Load())
		var failed []*entapi.Step
		for _, s := range stepsOf(t, e, tk.ID) {
			require.NotContains(t, []step.Status{step.StatusQueued, step.StatusRunning, step.StatusWaiting}, s.Status, s.Kind)
			if s.Status == step.StatusFailed {
				failed = append(failed, s)
			}
		}
		// Usually one step fails; a sibling reading the same chunk may fail concurrently.
		require.NotEmpty(t, failed)
		for _, s := range failed {
			require.Equal(t, 2, s.Chunk)
			require.Equal(t, 1, s.Attempt, "a permanent error is not retried")
			require.Equal(t, classPermanent, s.ErrorClass)
		}
		n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(sys())
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

func TestTransientErrorIsRetried(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.startPool(t, testOptions())
		ds := e.dataset(t, testCSV(20), 5, true)
		var failedOnce atomic.Bool
		e.blobs.setRangeHook(func(_ context.Context, key string, offset int64) error {
			if key == ds.BlobKey && offset > 0 && failedOnce.CompareAndSwap(false, true) {
				return errors.New("disk hiccup")
			}
			return nil
		})
		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)
		retried := 0
		for _, s := range stepsOf(t, e, tk.ID) {
			if s.Attempt == 2 {
				retried++
				require.Empty(t, s.Error)
			}
		}
		require.Equal(t, 1, retried)
	})
}

// blockReads holds every chunk read of key until the stage's context ends, and counts
// the reads that were stopped that way.
func blockReads(e *env, key string) (started <-chan struct{}, stopped *atomic.Int32) {
	ch := make(chan struct{})
	var once sync.Once
	stopped = &atomic.Int32{}
	e.blobs.setRangeHook(func(ctx context.Context, k string, offset int64) error {
		if k != key || offset == 0 {
			return nil
		}
		once.Do(func() { close(ch) })
		<-ctx.Done()
		stopped.Add(1)
		return ctx.Err()
	})
	return ch, stopped
}

func TestCancelStopsRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.Lease = 600 * time.Millisecond // renewals, and so cancellation checks, every 200 ms
		e.startPool(t, opts)
		ds := e.dataset(t, testCSV(20), 5, true)
		started, stopped := blockReads(e, ds.BlobKey)
		c := e.client()
		tk, err := c.CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("no chunk stage started")
		}

		other := tenant.With(context.Background(), platform.NewID())
		require.True(t, entapi.IsNotFound(c.Cancel(other, tk.ID)), "another tenant's task is not found")
		org := tenant.With(context.Background(), e.org)
		require.NoError(t, c.Cancel(org, tk.ID))
		require.NoError(t, c.Cancel(org, tk.ID), "cancelling again does nothing")

		tkNow, err := e.db.Task.Get(sys(), tk.ID)
		require.NoError(t, err)
		require.Equal(t, task.StatusCancelled, tkNow.Status)
		eventually(t, 5*time.Second, "running stages stopped", func() bool { return stopped.Load() > 0 })
		eventually(t, 10*time.Second, "cancel webhook", func() bool {
			got, _ := e.web.received()
			return len(got) == 1 && got[0].Body.Type == webhook.EventTaskCancelled && got[0].Body.Data.Status == "cancelled"
		})
		eventually(t, 10*time.Second, "steps settled", func() bool {
			for _, s := range stepsOf(t, e, tk.ID) {
				if s.Status != step.StatusCancelled && s.Status != step.StatusSucceeded {
					return false
				}
			}
			return true
		})
		steps := stepsOf(t, e, tk.ID)
		require.Zero(t, countKind(steps, kindAggregate))
		n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(sys())
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

func TestDeadlineFailsRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.startPool(t, testOptions())
		ds := e.dataset(t, testCSV(20), 5, true)
		started, stopped := blockReads(e, ds.BlobKey)
		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		<-started
		require.NoError(t, e.db.Task.UpdateOneID(tk.ID).SetDeadline(now().Add(-time.Second)).Exec(sys()))

		done := e.waitTask(t, tk.ID, 10*time.Second, task.StatusFailed, task.StatusCompleted)
		require.Equal(t, task.StatusFailed, done.Status)
		require.True(t, strings.HasPrefix(done.Error, "deadline exceeded after "), done.Error)
		eventually(t, 10*time.Second, "running stages stopped", func() bool { return stopped.Load() > 0 })
		eventually(t, 10*time.Second, "failure webhook", func() bool {
			got, _ := e.web.received()
			return len(got) == 1 && got[0].Body.Type == webhook.EventTaskFailed
		})
	})
}

// TestRunCompletesWhenStillPending: moving the task to processing when fetch starts is
// bookkeeping that may fail (it is only logged); the run must complete all the same.
func TestRunCompletesWhenStillPending(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p := e.newPool(t, testOptions())
		p.runner.afterClaim = func(s *entapi.Step) {
			if s.Kind == kindTransform {
				require.NoError(t, e.db.Task.UpdateOneID(s.TaskID).SetStatus(task.StatusPending).Exec(sys()))
			}
		}
		p.Start()
		t.Cleanup(p.Stop)
		tk, err := e.client().CreateTask(sys(), e.dataset(t, testCSV(10), 5, true), nil)
		require.NoError(t, err)
		done := e.waitTask(t, tk.ID, 15*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)
		n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(sys())
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
}
