package jobs

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// TestClaimIsFencedByAttempt: a claim succeeds only on the step as it was read, and
// returns the row as the claim left it.
func TestClaimIsFencedByAttempt(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ds := e.dataset(t, testCSV(4), 2, true)
		tk := e.processingTask(t, ds)
		read, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kindFetch).
			SetAvailableAt(now()).Save(ctx)
		require.NoError(t, err)
		// Another worker claimed it and its attempt failed: queued again, one attempt used.
		require.NoError(t, e.db.Step.UpdateOne(read).SetAttempt(1).Exec(ctx))

		c, err := claim(ctx, e.db.Step, read, "stale", time.Minute)
		require.NoError(t, err)
		require.Nil(t, c, "a delivery that read the step before the other attempt claims nothing")

		fresh, err := e.db.Step.Get(ctx, read.ID)
		require.NoError(t, err)
		c, err = claim(ctx, e.db.Step, fresh, "worker", time.Minute)
		require.NoError(t, err)
		require.NotNil(t, c)
		stored, err := e.db.Step.Get(ctx, read.ID)
		require.NoError(t, err)
		require.Equal(t, stored.Status, c.Status)
		require.Equal(t, step.StatusRunning, c.Status)
		require.Equal(t, "worker", c.LeaseOwner)
		require.Equal(t, stored.LeaseOwner, c.LeaseOwner)
		require.Equal(t, 2, c.Attempt)
		require.Equal(t, stored.Attempt, c.Attempt)
		require.WithinDuration(t, *stored.LeaseUntil, *c.LeaseUntil, time.Millisecond)
	})
}

// TestRunHandsOnItsSteps: a worker that finishes a step runs the next step of the run
// itself, so a one-chunk run sends one job (fetch's, at creation) through the queue; a
// run of several chunks sends one more per extra chunk. Every stage still runs once.
func TestRunHandsOnItsSteps(t *testing.T) {
	cases := []struct {
		name   string
		rows   int
		chunks int
	}{
		{"one chunk", 4, 1},
		{"four chunks", 16, 4},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				opts := testOptions()
				opts.Reconcile = false
				p := e.newPool(t, opts)
				var enqueued atomic.Int64
				p.runner.disp.afterEnqueue = func(steps []*entapi.Step) { enqueued.Add(int64(len(steps))) }
				var mu sync.Mutex
				claimed := map[string]int{}
				p.runner.afterClaim = func(s *entapi.Step) {
					mu.Lock()
					claimed[s.Kind]++
					mu.Unlock()
				}
				p.Start()
				t.Cleanup(p.Stop)
				ds := e.dataset(t, testCSV(tc.rows), 4, true)
				require.Len(t, storedLayout(ds).Chunks, tc.chunks)
				tk, err := e.client().CreateTask(sys(), ds, testRules(t))
				require.NoError(t, err)
				done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
				require.Equal(t, task.StatusCompleted, done.Status, done.Error)
				eventually(t, 10*time.Second, "notify", func() bool {
					n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindNotify), step.StatusEQ(step.StatusSucceeded)).Count(sys())
					return err == nil && n == 1
				})

				require.Equal(t, int64(tc.chunks-1), enqueued.Load(), "jobs the workers sent")
				// One chunk's partials go from its pass to aggregate in memory; several
				// chunks' are stored, one blob each.
				partials := 0
				for key := range e.blobs.putCounts() {
					if strings.HasPrefix(key, "tasks/"+tk.ID+"/") && !strings.HasSuffix(key, "report.json") {
						partials++
					}
				}
				stored := tc.chunks
				if tc.chunks == 1 {
					stored = 0
				}
				require.Equal(t, stored, partials, "partial blobs")
				mu.Lock()
				defer mu.Unlock()
				for _, k := range []string{kindFetch, kindTransform, kindAggregate, kindSave, kindNotify} {
					require.Equal(t, 1, claimed[k], k)
				}
				require.Equal(t, tc.chunks, claimed[kindNormalize])
				for _, s := range stepsOf(t, e, tk.ID) {
					require.Equal(t, step.StatusSucceeded, s.Status, "%s %d", s.Kind, s.Chunk)
					require.Equal(t, 1, s.Attempt, "%s %d", s.Kind, s.Chunk)
				}
			})
		}
	})
}

// TestSucceedAfterTaskEnded: a step still held when its task ended is recorded
// cancelled rather than succeeded, and its commit does not run; one no longer held
// reports the lost lease.
func TestSucceedAfterTaskEnded(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ds := e.dataset(t, testCSV(4), 2, true)
		tk := e.processingTask(t, ds)
		r := e.newPool(t, testOptions()).runner
		mk := func(kind string) *entapi.Step {
			s, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kind).SetAvailableAt(now()).Save(ctx)
			require.NoError(t, err)
			c, err := claim(ctx, e.db.Step, s, "worker", time.Minute)
			require.NoError(t, err)
			require.NotNil(t, c)
			return c
		}
		held, lost := mk(kindTransform), mk(kindAggregate)
		require.NoError(t, e.db.Task.UpdateOneID(tk.ID).SetStatus(task.StatusCancelled).Exec(ctx))
		out := &outcome{commit: func(context.Context, *entapi.Tx) ([]*entapi.Step, error) {
			t.Error("the commit of a step whose task ended ran")
			return nil, nil
		}}
		next, err := r.succeed(ctx, &stepRun{Step: held, Task: tk, owner: "worker"}, out)
		require.NoError(t, err)
		require.Nil(t, next)
		got, err := e.db.Step.Get(ctx, held.ID)
		require.NoError(t, err)
		require.Equal(t, step.StatusCancelled, got.Status)
		require.Empty(t, got.LeaseOwner)

		_, err = r.succeed(ctx, &stepRun{Step: lost, Task: tk, owner: "another worker"}, out)
		require.ErrorIs(t, err, errLeaseLost)
		got, err = e.db.Step.Get(ctx, lost.ID)
		require.NoError(t, err)
		require.Equal(t, step.StatusRunning, got.Status)
	})
}

// TestStepsCreatedClaimed: under a claim for the next step, createSteps inserts the
// first step it creates for the task, with the other steps of its chunk, already
// claimed (running, attempt 1, leased); other chunks' steps and other tasks' steps are
// queued. A step that existed is left as it was, and nothing is claimed then.
func TestStepsCreatedClaimed(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ds := e.dataset(t, testCSV(4), 2, true)
		tk := e.processingTask(t, ds)
		other := e.processingTask(t, ds)
		runsAll := func(string) bool { return true }
		until := now().Add(time.Minute)
		specs := []stepSpec{}
		for c := range 2 {
			for _, k := range childKinds {
				specs = append(specs, stepSpec{Kind: k, Chunk: c})
			}
		}

		nc := &nextClaim{taskID: tk.ID, owner: "w1", until: until, runs: runsAll}
		var rows []*entapi.Step
		require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) error {
			cctx := withNextClaim(ctx, nc)
			if _, err := createSteps(cctx, tx, other, stepSpec{Kind: kindFetch}); err != nil {
				return err
			}
			var err error
			rows, err = createSteps(cctx, tx, tk, specs...)
			return err
		}))
		require.Len(t, nc.steps, 3, "the first step and its two siblings")
		require.Equal(t, kindNormalize, nc.steps[0].Kind)
		for _, s := range rows {
			stored, err := e.db.Step.Get(ctx, s.ID)
			require.NoError(t, err)
			if s.Chunk == 0 {
				require.Equal(t, step.StatusRunning, stored.Status, s.Kind)
				require.Equal(t, "w1", stored.LeaseOwner)
				require.Equal(t, 1, stored.Attempt)
				require.NotNil(t, stored.LeaseUntil)
				continue
			}
			require.Equal(t, step.StatusQueued, stored.Status, "chunk %d %s", s.Chunk, s.Kind)
			require.Empty(t, stored.LeaseOwner)
		}
		fetch, err := e.db.Step.Query().Where(step.TaskID(other.ID)).Only(ctx)
		require.NoError(t, err)
		require.Equal(t, step.StatusQueued, fetch.Status, "another task's step is not claimed")

		// Created again (a re-run of the same commit): the rows exist and stay as they are.
		for _, single := range []bool{false, true} {
			again := &nextClaim{taskID: tk.ID, owner: "w2", until: until, runs: runsAll}
			in := specs
			if single {
				in = specs[3:4]
			}
			require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) error {
				_, err := createSteps(withNextClaim(ctx, again), tx, tk, in...)
				return err
			}))
			require.Empty(t, again.steps, "single=%v", single)
			n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.LeaseOwner("w2")).Count(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
		}
	})
}
