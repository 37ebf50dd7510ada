package jobs

import (
	"context"
	"slices"
	"time"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
)

// A run's chain of steps (fetch, transform, one chunk, aggregate, save, notify) does
// not go through the queue at each hop: the worker that finishes a step keeps the next
// one the success created for the same run and runs it itself. The step row is the
// record either way: if this worker dies before it runs, the reconciler dispatches it.

// nextClaim is the claim of the next step, made in the success transaction. Carried in
// that transaction's context, it has createSteps insert the first step it creates for
// the task, and the other steps of that step's chunk, already claimed by owner (running,
// attempt 1, leased until until), so no UPDATE has to claim them after the insert.
type nextClaim struct {
	taskID string
	owner  string
	until  time.Time
	runs   func(kind string) bool // whether this worker runs steps of kind
	chosen bool                   // createSteps has picked the steps to claim
	// steps are the rows created claimed: the one to run, then its siblings.
	steps []*entapi.Step
}

type nextClaimKey struct{}

// withNextClaim is ctx carrying nc (ctx itself for nil).
func withNextClaim(ctx context.Context, nc *nextClaim) context.Context {
	if nc == nil {
		return ctx
	}
	return context.WithValue(ctx, nextClaimKey{}, nc)
}

// nextClaimFor is ctx's claim for the next step of taskID, nil when there is none or it
// has picked its steps already.
func nextClaimFor(ctx context.Context, taskID string) *nextClaim {
	nc, _ := ctx.Value(nextClaimKey{}).(*nextClaim)
	if nc == nil || nc.chosen || nc.taskID != taskID {
		return nil
	}
	return nc
}

// choose marks which of specs are created claimed: the first whose kind this worker
// runs and, for a per-chunk step, the other steps of its chunk. nil when none.
func (nc *nextClaim) choose(specs []stepSpec) []bool {
	if nc == nil {
		return nil
	}
	first := slices.IndexFunc(specs, func(sp stepSpec) bool { return nc.runs(sp.Kind) })
	if first < 0 {
		return nil
	}
	nc.chosen = true
	mine := make([]bool, len(specs))
	mine[first] = true
	if isChild(specs[first].Kind) {
		for i, sp := range specs {
			if isChild(sp.Kind) && sp.Chunk == specs[first].Chunk && nc.runs(sp.Kind) {
				mine[i] = true
			}
		}
	}
	return mine
}

// claimed sets c up to be inserted claimed.
func (nc *nextClaim) claimed(c *entapi.StepCreate) *entapi.StepCreate {
	return c.SetStatus(step.StatusRunning).SetLeaseOwner(nc.owner).SetLeaseUntil(nc.until).SetAttempt(1)
}

// took records the rows among rows that the insert created claimed.
func (nc *nextClaim) took(rows []*entapi.Step) {
	for _, s := range rows {
		if s.LeaseOwner == nc.owner && s.Status == step.StatusRunning {
			nc.steps = append(nc.steps, s)
		}
	}
}

// nextClaimOf is the claim succeed offers the stage commit of run, nil during shutdown.
func (r *Runner) nextClaimOf(run *stepRun) *nextClaim {
	if r.shut.stopping.Load() {
		return nil
	}
	return &nextClaim{taskID: run.Task.ID, owner: newLeaseOwner(), until: now().Add(r.opts.Lease),
		runs: func(kind string) bool { return r.stageOf(kind) != nil }}
}

// handOn returns the step this worker runs next, claimed, or nil: the steps created
// claimed (nc), or else the first of the steps the success created that belongs to the
// same run, claimed in the transaction that created it (it existed already, so the
// insert left it as it was). During shutdown nothing is kept.
func (r *Runner) handOn(ctx context.Context, tx *entapi.Tx, run *stepRun, nc *nextClaim, spawned []*entapi.Step) (*stepRun, error) {
	t := run.Task
	if run.ended != nil {
		t = run.ended.task
	}
	keep := func(c *entapi.Step, owner string, siblings []*entapi.Step) *stepRun {
		return &stepRun{Step: c, Task: t, owner: owner, siblings: siblings, carried: run.carried}
	}
	if nc != nil && len(nc.steps) > 0 {
		return keep(nc.steps[0], nc.owner, nc.steps[1:]), nil
	}
	i := slices.IndexFunc(spawned, func(s *entapi.Step) bool {
		return s != nil && s.TaskID == run.Task.ID && r.stageOf(s.Kind) != nil
	})
	if i < 0 || r.shut.stopping.Load() {
		return nil, nil
	}
	owner := newLeaseOwner()
	c, err := claim(ctx, tx.Step, spawned[i], owner, r.opts.Lease)
	if err != nil || c == nil {
		return nil, err
	}
	return keep(c, owner, nil), nil
}
