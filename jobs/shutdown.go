package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocraft/work"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
)

// A graceful stop: the pool stops taking jobs (a job fetched after that is put back
// unclaimed), running stages get the grace to finish, and a stage still running at its
// end is stopped and its step released — queued again at once, the attempt given back
// — so another worker claims it without waiting for the lease to expire.

// errShutdown is the cause a stage's context ends with when the grace has run out.
var errShutdown = errors.New("jobs: worker shutting down")

// haltWait bounds how long Shutdown waits, after the grace, for stages that do not
// heed their context; the process may then exit and their leases expire instead.
const haltWait = 5 * time.Second

// shutdownState is the Runner's side of a graceful stop.
type shutdownState struct {
	stopping atomic.Bool // jobs fetched from now on are handed back
	haltOnce sync.Once
	halted   chan struct{} // closed when running stages must stop
	handed   atomic.Int64  // jobs handed back, for tests
	released atomic.Int64  // steps released, for tests
}

func newShutdownState() *shutdownState { return &shutdownState{halted: make(chan struct{})} }

func (s *shutdownState) halt() { s.haltOnce.Do(func() { close(s.halted) }) }

// handBack puts a job fetched during shutdown back into the queue and reports true; it
// is delivered again to a worker of another (or the next) process.
func (r *Runner) handBack(job *work.Job) bool {
	if !r.shut.stopping.Load() {
		return false
	}
	if _, err := r.disp.enq.Enqueue(job.Name, job.Args); err != nil {
		// The step row is untouched: the reconciler dispatches it again.
		r.log.Warn("jobs: hand back job", "job", job.Name, "err", err)
	}
	r.shut.handed.Add(1)
	if err := publishWake(r.disp.rds.Pool, r.disp.ns); err != nil {
		r.log.Warn("jobs: wake", "err", err)
	}
	return true
}

// onHalt cancels a running stage with errShutdown when the grace runs out; the returned
// func stops watching.
func (r *Runner) onHalt(cancel context.CancelCauseFunc) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-r.shut.halted:
			cancel(errShutdown)
		case <-done:
		}
	}()
	return func() { close(done) }
}

// yield releases a step this worker holds but did not finish: queued again, available
// now, lease cleared, the attempt given back. The update is fenced by the lease owner,
// so a step another worker or the reconciler took over is left alone (false).
func yield(ctx context.Context, db *entapi.Client, id, owner string) (bool, error) {
	n, err := db.Step.Update().
		Where(owned(id, owner)...).
		SetStatus(step.StatusQueued).
		SetLeaseOwner("").
		ClearLeaseUntil().
		SetAvailableAt(now()).
		AddAttempt(-1).
		Save(ctx)
	if err != nil {
		return false, fmt.Errorf("jobs: yield %s: %w", id, err)
	}
	return n == 1, nil
}

// yieldRun releases run's step and dispatches it again.
func (r *Runner) yieldRun(ctx context.Context, run *stepRun) {
	ok, err := yield(ctx, r.db, run.Step.ID, run.owner)
	if err != nil {
		r.log.Error("jobs: release step at shutdown", "step_id", run.Step.ID, "err", err)
		return // the lease expires and the reconciler re-queues it
	}
	if !ok {
		return
	}
	r.shut.released.Add(1)
	r.log.InfoContext(ctx, "jobs: step released at shutdown", "step_id", run.Step.ID, "task_id", run.Step.TaskID, "kind", run.Step.Kind)
	fresh, err := r.db.Step.Get(ctx, run.Step.ID)
	if err != nil {
		fresh = run.Step
	}
	r.disp.dispatchTraced(ctx, run.Task.ID, fresh)
}

// Shutdown stops the pool gracefully within grace: no new jobs are taken, running
// stages may finish, and those still running when grace ends are stopped and their
// steps released for another worker. It returns once the workers have stopped (or,
// for stages that ignore their context, a few seconds after grace).
func (p *Pool) Shutdown(grace time.Duration) {
	p.runner.shut.stopping.Store(true)
	done := make(chan struct{})
	go func() {
		p.Stop()
		close(done)
	}()
	t := time.NewTimer(max(grace, 0))
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	p.runner.shut.halt()
	select {
	case <-done:
	case <-time.After(haltWait):
		p.runner.log.Warn("jobs: stages still running after the shutdown grace; their leases will expire")
	}
}
