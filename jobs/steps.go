package jobs

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect/sql"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// withTx runs fn in a transaction and commits when it returns nil.
func withTx(ctx context.Context, db *entapi.Client, fn func(tx *entapi.Tx) error) error {
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("jobs: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: commit: %w", err)
	}
	return nil
}

// stepSpec names a step to create.
type stepSpec struct {
	Kind   string
	Chunk  int
	Parent *string
}

// createSteps inserts steps of t idempotently (a step that exists, unique by task, kind
// and chunk, is left alone) and returns the rows, existing or new, in the order given.
// Under a claim for the task's next step in ctx (see nextClaim), the steps it picks are
// inserted claimed.
func createSteps(ctx context.Context, tx *entapi.Tx, t *entapi.Task, specs ...stepSpec) ([]*entapi.Step, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	at := now()
	nc := nextClaimFor(ctx, t.ID)
	mine := nc.choose(specs)
	create := func(i int) *entapi.StepCreate {
		sp := specs[i]
		c := tx.Step.Create().
			SetOrgID(t.OrgID).
			SetTaskID(t.ID).
			SetKind(sp.Kind).
			SetChunk(sp.Chunk).
			SetNillableParentID(sp.Parent).
			SetAvailableAt(at)
		if mine != nil && mine[i] {
			c = nc.claimed(c)
		}
		return c
	}
	if len(specs) == 1 {
		// One row comes back from the insert itself, unless it existed (no row
		// returned): then it is loaded below.
		c := create(0)
		c.OnConflict(sql.ConflictColumns(step.FieldTaskID, step.FieldKind, step.FieldChunk)).DoNothing()
		s, err := c.Save(ctx)
		if err == nil {
			out := []*entapi.Step{s}
			if mine != nil {
				nc.took(out)
			}
			return out, nil
		}
		if err := ignoreNoRows(err); err != nil {
			return nil, fmt.Errorf("jobs: create steps: %w", err)
		}
	}
	const batch = 500 // stays under SQLite's and Postgres's bind-parameter limits
	for i := 0; i < len(specs) && len(specs) > 1; i += batch {
		creates := make([]*entapi.StepCreate, 0, batch)
		for j := i; j < min(i+batch, len(specs)); j++ {
			creates = append(creates, create(j))
		}
		err := tx.Step.CreateBulk(creates...).
			OnConflict(sql.ConflictColumns(step.FieldTaskID, step.FieldKind, step.FieldChunk)).
			DoNothing().
			Exec(ctx)
		if err := ignoreNoRows(err); err != nil {
			return nil, fmt.Errorf("jobs: create steps: %w", err)
		}
	}
	out := make([]*entapi.Step, 0, len(specs))
	kinds := map[string]bool{}
	for _, sp := range specs {
		kinds[sp.Kind] = true
	}
	rows, err := tx.Step.Query().Where(step.TaskID(t.ID), step.KindIn(keys(kinds)...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: load steps: %w", err)
	}
	byKey := map[stepSpec]*entapi.Step{}
	for _, s := range rows {
		byKey[stepSpec{Kind: s.Kind, Chunk: s.Chunk}] = s
	}
	for _, sp := range specs {
		s := byKey[stepSpec{Kind: sp.Kind, Chunk: sp.Chunk}]
		if s == nil {
			return nil, fmt.Errorf("jobs: step %s/%d missing after insert", sp.Kind, sp.Chunk)
		}
		out = append(out, s)
	}
	if mine != nil {
		nc.took(out)
	}
	return out, nil
}

// ignoreNoRows drops the error an insert with ON CONFLICT DO NOTHING may report for a
// row that already existed (nothing comes back from RETURNING).
func ignoreNoRows(err error) error {
	if errors.Is(err, stdsql.ErrNoRows) {
		return nil
	}
	return err
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// activeStatuses are those of tasks that have not ended.
var activeStatuses = []task.Status{task.StatusPending, task.StatusProcessing}

// terminal reports whether a task has ended.
func terminal(s task.Status) bool {
	return s != task.StatusPending && s != task.StatusProcessing
}

// endTask moves an active task to failed or cancelled in tx: every unfinished step but
// notify is cancelled, the outbox gets the web app's message, a notify step is created
// and the organization's next waiting tasks are admitted (lim). It returns the steps to
// dispatch after commit, none when the task had already ended.
func endTask(ctx context.Context, tx *entapi.Tx, lim OrgLimit, taskID string, status task.Status, stage, msg string) ([]*entapi.Step, error) {
	// The organization's admission lock comes before the task's row lock, in the order
	// admit takes them (it updates waiting tasks' rows).
	org, err := tx.Task.Query().Where(task.ID(taskID)).Select(task.FieldOrgID).String(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: end task %s: %w", taskID, err)
	}
	if err := lockOrg(ctx, tx, org); err != nil {
		return nil, err
	}
	upd := tx.Task.Update().
		Where(task.ID(taskID), task.StatusIn(activeStatuses...)).
		SetStatus(status).
		SetError(msg).
		SetFinishedAt(now())
	if stage != "" {
		upd = upd.SetStage(stage)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: end task %s: %w", taskID, err)
	}
	if n == 0 {
		return nil, nil
	}
	_, err = tx.Step.Update().
		Where(step.TaskID(taskID), step.KindNEQ(kindNotify),
			step.StatusIn(step.StatusQueued, step.StatusRunning, step.StatusWaiting)).
		SetStatus(step.StatusCancelled).
		SetLeaseOwner("").
		ClearLeaseUntil().
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: cancel steps of %s: %w", taskID, err)
	}
	t, err := tx.Task.Get(ctx, taskID)
	if err != nil {
		return nil, fmt.Errorf("jobs: announce %s: %w", taskID, err)
	}
	steps, _, err := announce(ctx, tx, lim, t, nil)
	return steps, err
}

// announce writes the outbox message for t, a task that has just ended (as it is now
// stored), and its endpoint deliveries, creates its notify step and admits the
// organization's next waiting tasks; it returns those steps, notify first, and the ids
// of the deliveries. ds is t's dataset, nil to read it.
func announce(ctx context.Context, tx *entapi.Tx, lim OrgLimit, t *entapi.Task, ds *entapi.Dataset) ([]*entapi.Step, []string, error) {
	if err := durable(ctx, tx); err != nil {
		return nil, nil, err
	}
	if err := writeOutbox(ctx, tx, t, ds); err != nil {
		return nil, nil, err
	}
	deliveries, err := writeEndpointDeliveries(ctx, tx, t)
	if err != nil {
		return nil, nil, err
	}
	steps, err := createSteps(ctx, tx, t, stepSpec{Kind: kindNotify})
	if err != nil {
		return nil, nil, err
	}
	next, err := admit(ctx, tx, lim, t.OrgID)
	if err != nil {
		return nil, nil, err
	}
	return append(steps[:1], next...), deliveries, nil
}

// durable makes tx, on Postgres, wait for its WAL to reach the disk at commit whatever
// its session's synchronous_commit (the workers' pipeline sessions have it off, see
// store.OpenPipelineAPI): a task's end is announced to the web app and to endpoints
// once it commits, so it must not be lost after that.
func durable(ctx context.Context, tx *entapi.Tx) error {
	return onPostgres(ctx, tx, "durable commit", `SET LOCAL synchronous_commit = on`)
}
