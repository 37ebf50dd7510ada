package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// A suspended organization's new tasks are not started: they stay pending with no step,
// through reconciler passes; once restored, the reconciler admits and runs them.
func TestSuspendedTenantTasksWait(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		require.NoError(t, e.db.Tenant.Create().SetID(e.org).SetSuspendedAt(time.Now()).Exec(ctx))
		e.startPool(t, testOptions())
		tk, err := e.client().CreateTask(ctx, e.dataset(t, testCSV(10), 5, true), nil)
		require.NoError(t, err)

		time.Sleep(time.Second) // ten reconciler passes
		got, err := e.db.Task.Get(ctx, tk.ID)
		require.NoError(t, err)
		require.Equal(t, task.StatusPending, got.Status)
		n, err := e.db.Step.Query().Where(step.TaskID(tk.ID)).Count(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "not admitted")
		live := func() int { return e.db.Task.Query().Where(task.ID(tk.ID), ofLiveTenant()).CountX(ctx) }
		require.Zero(t, live(), "the reconciler does not look for it")

		require.NoError(t, e.db.Tenant.UpdateOneID(e.org).ClearSuspendedAt().Exec(ctx))
		require.Equal(t, 1, live())
		require.Equal(t, task.StatusCompleted, e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed).Status)
	})
}
