package jobs

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/outbox"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

func TestDuplicateDeliveryRunsEachStageOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		p := e.newPool(t, testOptions())
		p.runner.disp.copies.Store(2) // every job the pipeline enqueues arrives twice
		p.Start()
		t.Cleanup(p.Stop)
		c := e.client()
		c.disp.copies.Store(2)
		ds := e.dataset(t, testCSV(30), 6, true)
		tk, err := c.CreateTask(sys(), ds, testRules(t))
		require.NoError(t, err)
		e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted)
		eventually(t, 10*time.Second, "webhook", func() bool { got, _ := e.web.received(); return len(got) == 1 })

		// Deliver every step's job once more after the run: nothing may happen again.
		steps := stepsOf(t, e, tk.ID)
		p.runner.disp.copies.Store(1)
		p.runner.disp.dispatch(steps...)
		time.Sleep(time.Second)

		for _, s := range stepsOf(t, e, tk.ID) {
			require.Equal(t, step.StatusSucceeded, s.Status, s.Kind)
			require.Equal(t, 1, s.Attempt, "%s %d ran more than once", s.Kind, s.Chunk)
		}
		puts := partialPuts(e.blobs.putCounts(), tk.ID)
		require.Len(t, puts, 5) // one blob of partials per chunk; the small report travels in a result
		for key, n := range puts {
			require.Equal(t, 1, n, key)
		}
		n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(sys())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = e.db.Outbox.Query().Where(outbox.TaskID(tk.ID)).Count(sys())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, bad := e.web.received()
		require.Empty(t, bad)
		require.Len(t, got, 1)
	})
}

func TestReconcilerRerunsExpiredLease(t *testing.T) {
	cases := []struct {
		name    string
		attempt int
		want    task.Status
	}{
		{"attempts left: re-run", 1, task.StatusCompleted},
		{"no attempts left: the run fails", 5, task.StatusFailed},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		e.startPool(t, testOptions())
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := e.client()
				c.disp.silent = true
				ds := e.dataset(t, testCSV(10), 5, true)
				tk, err := c.CreateTask(sys(), ds, nil)
				require.NoError(t, err)
				// A worker claimed fetch and was killed: the job is gone, the lease ran out.
				e.flushRedis(t)
				n, err := e.db.Step.Update().Where(step.TaskID(tk.ID), step.Kind(kindFetch)).
					SetStatus(step.StatusRunning).SetLeaseOwner("killed-worker").
					SetLeaseUntil(now().Add(-time.Second)).SetAttempt(tc.attempt).Save(sys())
				require.NoError(t, err)
				require.Equal(t, 1, n)

				done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
				require.Equal(t, tc.want, done.Status, done.Error)
				fetch, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindFetch)).Only(sys())
				require.NoError(t, err)
				if tc.want == task.StatusCompleted {
					require.Equal(t, step.StatusSucceeded, fetch.Status)
					require.Equal(t, tc.attempt+1, fetch.Attempt)
					return
				}
				require.Equal(t, step.StatusFailed, fetch.Status)
				require.Equal(t, tc.attempt, fetch.Attempt)
				require.Equal(t, "The fetch stage failed: it timed out", done.Error)
				eventually(t, 10*time.Second, "failure webhook", func() bool {
					got, _ := e.web.received()
					return len(got) > 0 && got[len(got)-1].Body.Type == webhook.EventTaskFailed && got[len(got)-1].Body.Data.ID == tk.ID
				})
			})
		}
	})
}

func TestRedisFlushedMidRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.Reconcile = false
		a := e.newPool(t, opts)
		var flushed atomic.Bool
		flushedCh := make(chan struct{})
		a.runner.disp.afterEnqueue = func(steps []*entapi.Step) {
			// The children's jobs are in Redis and at most one per worker has been taken
			// (those workers wait below): lose the rest.
			if len(steps) > 0 && isChild(steps[0].Kind) && flushed.CompareAndSwap(false, true) {
				e.flushRedis(t)
				close(flushedCh)
			}
		}
		a.runner.afterClaim = func(s *entapi.Step) {
			if isChild(s.Kind) {
				<-flushedCh
			}
		}
		a.Start()
		t.Cleanup(a.Stop)
		ds := e.dataset(t, testCSV(40), 5, true)
		tk, err := e.client().CreateTask(sys(), ds, testRules(t))
		require.NoError(t, err)

		// Without a reconciler the run is stuck: its queued steps have no jobs.
		eventually(t, 10*time.Second, "flush", flushed.Load)
		time.Sleep(1500 * time.Millisecond)
		stuck, err := e.db.Task.Get(sys(), tk.ID)
		require.NoError(t, err)
		require.Equal(t, task.StatusProcessing, stuck.Status)
		queued, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.StatusEQ(step.StatusQueued)).Count(sys())
		require.NoError(t, err)
		require.NotZero(t, queued)

		// A pool with the reconciler re-dispatches them and the run completes.
		e.startPool(t, testOptions())
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)
	})
}

func TestReconcilerWakesParentAfterDrift(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.Reconcile = false
		a := e.newPool(t, opts)
		var drifted atomic.Bool
		a.runner.afterClaim = func(s *entapi.Step) {
			// Make the parent's counter one too high: the last child will not reach zero.
			if isChild(s.Kind) && drifted.CompareAndSwap(false, true) {
				require.NoError(t, e.db.Step.UpdateOneID(*s.ParentID).AddPendingChildren(1).Exec(sys()))
			}
		}
		a.Start()
		t.Cleanup(a.Stop)
		ds := e.dataset(t, testCSV(20), 5, true)
		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)

		var parent *entapi.Step
		eventually(t, 15*time.Second, "all children succeeded", func() bool {
			open, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.KindIn(childKinds...),
				step.StatusNEQ(step.StatusSucceeded)).Count(sys())
			require.NoError(t, err)
			all, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.KindIn(childKinds...)).Count(sys())
			require.NoError(t, err)
			return all > 0 && open == 0
		})
		time.Sleep(300 * time.Millisecond)
		parent, err = e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindTransform)).Only(sys())
		require.NoError(t, err)
		require.Equal(t, step.StatusWaiting, parent.Status)
		require.Equal(t, 1, parent.PendingChildren)

		e.startPool(t, testOptions())
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)
		n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindAggregate)).Count(sys())
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
}

func TestConcurrentChildrenWakeParentOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.Concurrency = 8
		opts.Reconcile = false // the children alone must wake the parent
		p := e.newPool(t, opts)
		var aggregates atomic.Int32
		p.runner.afterClaim = func(s *entapi.Step) {
			if s.Kind == kindAggregate {
				aggregates.Add(1)
			}
		}
		p.Start()
		t.Cleanup(p.Stop)
		const chunks = 40
		ds := e.dataset(t, testCSV(chunks*3), 3, true)
		tk, err := e.client().CreateTask(sys(), ds, testRules(t))
		require.NoError(t, err)
		done := e.waitTask(t, tk.ID, 60*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)

		steps := stepsOf(t, e, tk.ID)
		require.Equal(t, chunks, countKind(steps, kindNormalize))
		require.Equal(t, 1, countKind(steps, kindAggregate))
		require.Equal(t, int32(1), aggregates.Load())
		for _, s := range steps {
			if s.Kind == kindTransform {
				require.Equal(t, step.StatusSucceeded, s.Status)
				require.Zero(t, s.PendingChildren, "every child counted off exactly once")
			}
		}
	})
}

// TestReconcilerWakesParentAmongManyWaiting: the reconciler finds a drifted parent however
// many parents are legitimately waiting for their children.
func TestReconcilerWakesParentAmongManyWaiting(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ds := e.dataset(t, testCSV(5), 5, true)
		// waiting creates a task whose transform waits for one normalize child.
		waiting := func(child step.Status) (*entapi.Task, *entapi.Step) {
			tk := e.processingTask(t, ds)
			p, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kindTransform).
				SetStatus(step.StatusWaiting).SetPendingChildren(1).SetAvailableAt(now()).Save(ctx)
			require.NoError(t, err)
			require.NoError(t, e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kindNormalize).
				SetParentID(p.ID).SetStatus(child).SetAvailableAt(now()).Exec(ctx))
			return tk, p
		}
		for range reconcileBatch + 1 {
			waiting(step.StatusRunning)
		}
		tk, parent := waiting(step.StatusSucceeded) // its counter drifted: still 1

		rc := newReconciler(e.newPool(t, testOptions()).runner)
		require.NoError(t, rc.wakeParents(ctx))
		p, err := e.db.Step.Get(ctx, parent.ID)
		require.NoError(t, err)
		require.Equal(t, step.StatusSucceeded, p.Status)
		n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindAggregate)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = e.db.Step.Query().Where(step.StatusEQ(step.StatusWaiting)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, reconcileBatch+1, n, "parents with unfinished children keep waiting")
	})
}

// TestChildrenFinishingAtOnceWakeParentOnce: children of one parent that finish at once, some
// counting off one step and some a set of three, wake the parent exactly once, when the
// last of them commits, and create aggregate once.
func TestChildrenFinishingAtOnceWakeParentOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ds := e.dataset(t, testCSV(5), 5, true)
		counts := []int{1, 3, 1, 1, 3, 1, 1, 3, 1, 1}
		total := 0
		for _, n := range counts {
			total += n
		}
		for round := range 3 {
			tk := e.processingTask(t, ds)
			p, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kindTransform).
				SetStatus(step.StatusWaiting).SetPendingChildren(total).SetAvailableAt(now()).Save(ctx)
			require.NoError(t, err)
			var woke atomic.Int32
			var wg sync.WaitGroup
			for i, n := range counts {
				child, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kindNormalize).
					SetChunk(i).SetParentID(p.ID).SetStatus(step.StatusRunning).SetAvailableAt(now()).Save(ctx)
				require.NoError(t, err)
				wg.Go(func() {
					err := withTx(ctx, e.db, func(tx *entapi.Tx) error {
						spawned, err := childDone(ctx, tx, tk, child, n)
						if len(spawned) > 0 {
							woke.Add(1)
						}
						return err
					})
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			require.EqualValues(t, 1, woke.Load(), "round %d", round)
			parent, err := e.db.Step.Get(ctx, p.ID)
			require.NoError(t, err)
			require.Equal(t, step.StatusSucceeded, parent.Status)
			require.Zero(t, parent.PendingChildren)
			n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindAggregate)).Count(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		}
	})
}
