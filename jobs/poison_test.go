package jobs

import (
	"context"
	"errors"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// TestPoisonStepStopsAtMaxAttempts: a stage that fails every time (a retryable error, or
// a panic) fails its run after its attempts, with a clear error on the task, and nothing
// loops: the step's attempt count stops at the maximum and no job is enqueued for it
// afterwards. (A permanent input error is TestPoisonChunkFailsTask.)
func TestPoisonStepStopsAtMaxAttempts(t *testing.T) {
	cases := []struct {
		name     string
		fail     func() error
		attempts int // of every step that failed
		class    string
	}{
		{"always a transient error", func() error { return errors.New("disk unplugged") }, 5, classTransient},
		{"always a panic", func() error { panic("poisoned chunk") }, 1, classPermanent},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := e.newPool(t, testOptions())
				var claims, enqueued atomic.Int64
				p.runner.afterClaim = func(*entapi.Step) { claims.Add(1) }
				p.runner.disp.afterEnqueue = func(steps []*entapi.Step) { enqueued.Add(int64(len(steps))) }
				p.Start()
				t.Cleanup(p.Stop)
				// Every chunk read fails.
				ds := e.dataset(t, testCSV(10), 5, true)
				var poisoned atomic.Bool
				e.blobs.setRangeHook(func(_ context.Context, key string, offset int64) error {
					if key != ds.BlobKey || offset == 0 {
						return nil
					}
					poisoned.Store(true)
					return tc.fail()
				})
				t.Cleanup(func() { e.blobs.setRangeHook(nil) })
				tk, err := e.client().CreateTask(sys(), ds, nil)
				require.NoError(t, err)
				done := e.waitTask(t, tk.ID, 60*time.Second, task.StatusFailed, task.StatusCompleted)
				require.True(t, poisoned.Load())
				require.Equal(t, task.StatusFailed, done.Status)
				require.Regexp(t, regexp.MustCompile(`^The (fetch|normalize|enrich|validate) stage failed: an internal error occurred$`), done.Error)
				require.NotNil(t, done.FinishedAt)

				settled := func() bool {
					for _, s := range stepsOf(t, e, tk.ID) {
						if s.Status == step.StatusQueued || s.Status == step.StatusRunning || s.Status == step.StatusWaiting {
							return false
						}
					}
					return true
				}
				eventually(t, 20*time.Second, "steps settled", settled)
				// Quiet for longer than a reconcile period and a retry backoff: no claim,
				// no enqueue any more.
				c0, q0 := claims.Load(), enqueued.Load()
				time.Sleep(1500 * time.Millisecond)
				require.Equal(t, c0, claims.Load(), "a step was claimed again")
				require.Equal(t, q0, enqueued.Load(), "a job was enqueued again")

				var failed int
				for _, s := range stepsOf(t, e, tk.ID) {
					require.LessOrEqual(t, s.Attempt, s.MaxAttempts, "%s %d", s.Kind, s.Chunk)
					if s.Status != step.StatusFailed {
						continue
					}
					failed++
					require.Equal(t, tc.attempts, s.Attempt, "%s tried until its attempts ran out, no further", s.Kind)
					require.Equal(t, tc.class, s.ErrorClass)
				}
				require.NotZero(t, failed)
				n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(sys())
				require.NoError(t, err)
				require.Zero(t, n)
			})
		}
	})
}
