package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect/sql"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/predicate"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// errLeaseLost means the step is no longer ours: another worker or the reconciler took
// it over, or the task ended. Whatever the stage computed is discarded.
var errLeaseLost = errors.New("jobs: lease lost")

// newLeaseOwner is the fencing token of one claim.
func newLeaseOwner() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claim takes s if it is due (queued and available) or abandoned (running with an
// expired lease and attempts left), and unchanged since it was read (same attempt), and
// returns it as the claim left it; nil for a duplicate or stale delivery.
func claim(ctx context.Context, steps *entapi.StepClient, s *entapi.Step, owner string, lease time.Duration) (*entapi.Step, error) {
	until, n, err := claimWhere(ctx, steps, owner, lease, step.ID(s.ID), step.Attempt(s.Attempt))
	if err != nil {
		return nil, fmt.Errorf("jobs: claim %s: %w", s.ID, err)
	}
	if n != 1 {
		return nil, nil
	}
	c := *s
	c.Status, c.LeaseOwner, c.LeaseUntil, c.Attempt = step.StatusRunning, owner, &until, s.Attempt+1
	return &c, nil
}

// claimWhere claims every step matching where that is due or abandoned, under owner,
// until the time it returns.
func claimWhere(ctx context.Context, steps *entapi.StepClient, owner string, lease time.Duration, where ...predicate.Step) (time.Time, int, error) {
	t := now()
	until := t.Add(lease)
	n, err := steps.Update().
		Where(append(where, step.Or(
			step.And(step.StatusEQ(step.StatusQueued), step.AvailableAtLTE(t)),
			step.And(step.StatusEQ(step.StatusRunning), step.LeaseUntilLT(t),
				attemptsLeft()),
		))...).
		SetStatus(step.StatusRunning).
		SetLeaseOwner(owner).
		SetLeaseUntil(until).
		AddAttempt(1).
		Save(ctx)
	return until, n, err
}

// claimSiblings claims, under run's lease, the other steps of run's chunk set that are
// due or abandoned, and returns them as claimed with those run holds already. Those
// another worker holds, or that wait for a retry, are left to it.
func claimSiblings(ctx context.Context, steps *entapi.StepClient, run *stepRun, lease time.Duration) ([]*entapi.Step, error) {
	s := run.Step
	_, n, err := claimWhere(ctx, steps, run.owner, lease, step.TaskID(s.TaskID), step.Chunk(s.Chunk),
		step.KindIn(childKinds...), step.IDNEQ(s.ID))
	if err != nil {
		return nil, fmt.Errorf("jobs: claim siblings of %s: %w", s.ID, err)
	}
	if n == 0 {
		return run.siblings, nil
	}
	sibs, err := steps.Query().
		Where(step.TaskID(s.TaskID), step.LeaseOwner(run.owner), step.IDNEQ(s.ID)).
		Order(step.ByKind()).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: load siblings of %s: %w", s.ID, err)
	}
	return sibs, nil
}

// finishSiblings records the results of the claimed siblings sibs (by kind) with the
// fenced update of their own success, one statement for those whose results are the
// same, and returns how many were still ours.
func finishSiblings(ctx context.Context, tx *entapi.Tx, sibs []*entapi.Step, owner string, results map[string]blobResult) (int, error) {
	var groups []string // distinct results, in the order met
	ids := map[string][]string{}
	for _, s := range sibs {
		b, err := json.Marshal(results[s.Kind])
		if err != nil {
			return 0, fmt.Errorf("jobs: encode result: %w", err)
		}
		if _, ok := ids[string(b)]; !ok {
			groups = append(groups, string(b))
		}
		ids[string(b)] = append(ids[string(b)], s.ID)
	}
	done := 0
	for _, res := range groups {
		n, err := tx.Step.Update().
			Where(step.IDIn(ids[res]...), step.LeaseOwner(owner), step.StatusEQ(step.StatusRunning)).
			SetLeaseOwner("").ClearLeaseUntil().
			SetStatus(step.StatusSucceeded).SetResult([]byte(res)).SetError("").SetErrorClass("").
			Save(ctx)
		if err != nil {
			return 0, fmt.Errorf("jobs: finish siblings: %w", err)
		}
		done += n
	}
	return done, nil
}

// renew extends the lease of a claim (the step and any siblings it holds); false means
// it is lost.
func renew(ctx context.Context, db *entapi.Client, run *stepRun, lease time.Duration) (bool, error) {
	n, err := db.Step.Update().
		Where(step.TaskID(run.Task.ID), step.LeaseOwner(run.owner), step.StatusEQ(step.StatusRunning)).
		SetLeaseUntil(now().Add(lease)).
		Save(ctx)
	if err != nil {
		return false, fmt.Errorf("jobs: renew %s: %w", run.Step.ID, err)
	}
	return n > 0, nil
}

// owned are the fencing predicates of every write a claimed step makes about itself.
func owned(id, owner string) []predicate.Step {
	return []predicate.Step{step.ID(id), step.LeaseOwner(owner), step.StatusEQ(step.StatusRunning)}
}

// release is a fenced update of our own step that ends the claim (status set by the
// caller); errLeaseLost when another worker took over.
func release(ctx context.Context, steps *entapi.StepClient, id, owner string, set func(*entapi.StepUpdate) *entapi.StepUpdate) error {
	u := steps.Update().Where(owned(id, owner)...).SetLeaseOwner("").ClearLeaseUntil()
	n, err := set(u).Save(ctx)
	if err != nil {
		return fmt.Errorf("jobs: release %s: %w", id, err)
	}
	if n == 0 {
		return errLeaseLost
	}
	return nil
}

// attemptsLeft matches steps with attempt < max_attempts.
func attemptsLeft() predicate.Step {
	return func(s *sql.Selector) {
		s.Where(sql.ColumnsLT(s.C(step.FieldAttempt), s.C(step.FieldMaxAttempts)))
	}
}

// errTaskEnded stops a stage whose task was cancelled or failed while it ran.
var errTaskEnded = errors.New("jobs: task ended")

// leaseKeeper renews a claim while its stage runs.
type leaseKeeper struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}
	exited chan struct{}
	lost   atomic.Bool
}

// keepLease renews run's lease every Lease/3 (using base, which outlives the stage) and
// cancels the returned context when the lease is lost or the task has ended.
func (r *Runner) keepLease(stageCtx, base context.Context, run *stepRun) *leaseKeeper {
	k := &leaseKeeper{done: make(chan struct{}), exited: make(chan struct{})}
	k.ctx, k.cancel = context.WithCancelCause(stageCtx)
	go func() {
		defer close(k.exited)
		tick := time.NewTicker(r.opts.Lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-k.done:
				return
			case <-tick.C:
			}
			ok, err := renew(base, r.db, run, r.opts.Lease)
			if err != nil {
				r.log.Warn("jobs: renew lease", "step_id", run.Step.ID, "err", err)
				continue
			}
			if !ok {
				k.lose(errLeaseLost)
				return
			}
			if run.Step.Kind == kindNotify {
				continue
			}
			st, err := r.db.Task.Query().Where(task.ID(run.Task.ID)).Select(task.FieldStatus).String(base)
			if err == nil && terminal(task.Status(st)) {
				k.lose(errTaskEnded)
				return
			}
		}
	}()
	return k
}

func (k *leaseKeeper) lose(cause error) {
	k.lost.Store(true)
	k.cancel(cause)
}

// stop ends the renewals and waits for the renewing goroutine.
func (k *leaseKeeper) stop() {
	close(k.done)
	<-k.exited
	k.cancel(nil)
}
