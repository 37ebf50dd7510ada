package jobs

import (
	"context"
	"fmt"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/predicate"
	"github.com/assayhq/assay/ent/api/step"
)

// Transform is the orchestrator: it fans out normalize, enrich and validate per chunk
// (one job per chunk, see chunkStage) and waits for them; the last child to finish wakes
// it and creates aggregate.
const Transform = jobPrefix + kindTransform

// transformStage fans out. Children are inserted idempotently (unique per task, kind and
// chunk) in the transaction that sets transform waiting with pending_children, and are
// enqueued after commit.
func (r *Runner) transformStage(ctx context.Context, run *stepRun) (*outcome, error) {
	l, err := r.layout(ctx, run)
	if err != nil {
		return nil, err
	}
	parent := run.Step.ID
	specs := make([]stepSpec, 0, len(l.Chunks)*len(childKinds))
	for _, c := range l.Chunks {
		for _, k := range childKinds {
			specs = append(specs, stepSpec{Kind: k, Chunk: c.Index, Parent: &parent})
		}
	}
	return &outcome{
		wait:   true,
		result: map[string]int{"chunks": len(l.Chunks)},
		commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
			children, err := createSteps(ctx, tx, run.Task, specs...)
			if err != nil {
				return nil, err
			}
			// One job per chunk: the step it runs claims its siblings (chunkStage).
			// A sibling left unclaimed is dispatched by the reconciler.
			open, dispatch, sent := 0, []*entapi.Step{}, map[int]bool{}
			for _, c := range children {
				if c.Status == step.StatusSucceeded {
					continue
				}
				open++
				if !sent[c.Chunk] {
					sent[c.Chunk] = true
					dispatch = append(dispatch, c)
				}
			}
			err = tx.Step.Update().Where(step.ID(parent)).SetPendingChildren(open).Exec(ctx)
			if err != nil {
				return nil, fmt.Errorf("transform: pending children: %w", err)
			}
			if open == 0 {
				return wakeParent(ctx, tx, run.Task, parent)
			}
			return dispatch, nil
		},
	}, nil
}

// childDone is the commit of every per-chunk step: it counts n children (the step and
// the siblings it finished) off its parent, and the child that reaches zero wakes the
// parent. The last n children (all of them, for a dataset of one chunk) wake it at once
// with one conditional update; the others decrement atomically and read the count back
// in the same transaction (on Postgres the row lock orders concurrent children, and a
// wake that meets another child's decrement is evaluated again once it commits).
func childDone(ctx context.Context, tx *entapi.Tx, t *entapi.Task, s *entapi.Step, n int) ([]*entapi.Step, error) {
	if s.ParentID == nil {
		return nil, nil
	}
	woke, err := wakeParent(ctx, tx, t, *s.ParentID, step.PendingChildrenLTE(n))
	if err != nil || len(woke) > 0 {
		return woke, err
	}
	p, err := tx.Step.UpdateOneID(*s.ParentID).AddPendingChildren(-n).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: count off %s: %w", s.ID, err)
	}
	if p.PendingChildren > 0 {
		return nil, nil
	}
	return wakeParent(ctx, tx, t, p.ID)
}

// wakeParent moves a waiting parent (that also matches where) to succeeded
// (conditionally: one waker wins) and creates aggregate, which it returns; nothing when
// the parent was not woken.
func wakeParent(ctx context.Context, tx *entapi.Tx, t *entapi.Task, parentID string, where ...predicate.Step) ([]*entapi.Step, error) {
	n, err := tx.Step.Update().
		Where(append(where, step.ID(parentID), step.StatusEQ(step.StatusWaiting))...).
		SetStatus(step.StatusSucceeded).
		SetPendingChildren(0).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: wake %s: %w", parentID, err)
	}
	if n == 0 {
		return nil, nil
	}
	return createSteps(ctx, tx, t, stepSpec{Kind: kindAggregate})
}
