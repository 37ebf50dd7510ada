package jobs

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// TestInsertsAreIdempotent re-runs the inserts a crashed stage may repeat: steps unique
// by task, kind and chunk, and the Report row unique by task.
func TestInsertsAreIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		c := e.client()
		c.disp.silent = true
		tk, err := c.CreateTask(ctx, e.dataset(t, testCSV(10), 5, true), nil)
		require.NoError(t, err)
		parent := fetchStepID(t, e, tk.ID)
		specs := []stepSpec{{Kind: kindNormalize, Chunk: 0, Parent: &parent}, {Kind: kindNormalize, Chunk: 1, Parent: &parent}}

		var first, again []*entapi.Step
		require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) (err error) {
			first, err = createSteps(ctx, tx, tk, specs...)
			return err
		}))
		require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) (err error) {
			again, err = createSteps(ctx, tx, tk, append(specs, stepSpec{Kind: kindNormalize, Chunk: 2, Parent: &parent})...)
			return err
		}))
		require.Len(t, again, 3)
		require.Equal(t, first[0].ID, again[0].ID)
		require.Equal(t, first[1].ID, again[1].ID)
		n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindNormalize)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, n)

		// One step alone comes back from its insert, and as it is when it existed.
		one := stepSpec{Kind: kindAggregate}
		var made, existing []*entapi.Step
		require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) (err error) {
			made, err = createSteps(ctx, tx, tk, one)
			return err
		}))
		require.NoError(t, e.db.Step.UpdateOneID(made[0].ID).SetStatus(step.StatusRunning).Exec(ctx))
		require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) (err error) {
			existing, err = createSteps(ctx, tx, tk, one)
			return err
		}))
		stored, err := e.db.Step.Get(ctx, made[0].ID)
		require.NoError(t, err)
		require.Equal(t, step.StatusQueued, made[0].Status)
		require.Equal(t, made[0].ID, existing[0].ID)
		require.Equal(t, step.StatusRunning, existing[0].Status)
		require.Equal(t, stored.MaxAttempts, made[0].MaxAttempts)
		require.Equal(t, stored.AvailableAt.Unix(), made[0].AvailableAt.Unix())

		for range 2 {
			require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) error {
				return insertReport(ctx, tx, tk, &report.Report{Score: 50, Rows: 10}, []byte(`{}`))
			}))
		}
		n, err = e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)

		// Ending a task twice writes one outbox row and one notify step.
		for range 2 {
			require.NoError(t, withTx(ctx, e.db, func(tx *entapi.Tx) error {
				_, err := endTask(ctx, tx, FixedOrgLimit(0), tk.ID, task.StatusFailed, kindFetch, "boom")
				return err
			}))
		}
		n, err = e.db.Outbox.Query().Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindNotify)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
}

// platform0 returns the id of the task's fetch step, standing in for a parent.
func fetchStepID(t *testing.T, e *env, taskID string) string {
	s, err := e.db.Step.Query().Where(step.TaskID(taskID), step.Kind(kindFetch)).Only(sys())
	require.NoError(t, err)
	return s.ID
}
