package jobs

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// TestEndingARunCommitsDurably: the workers' pipeline connections commit without waiting
// for the WAL (store.OpenPipelineAPI, Postgres only), and the transaction that ends a
// task waits for it all the same. On SQLite the workers share the API client.
func TestEndingARunCommitsDurably(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		pdb, err := store.OpenPipelineAPI(context.Background(), config.Config{Env: config.EnvTest, APIDatabaseURL: e.url})
		require.NoError(t, err)
		if e.name == "sqlite" {
			require.Nil(t, pdb, "SQLite commits skip the flush already: no second pool")
			return
		}
		t.Cleanup(func() { pdb.Close() })
		tk := e.processingTask(t, e.dataset(t, testCSV(4), 4, true))
		show := func(tx *entapi.Tx) string {
			rows, err := tx.QueryContext(ctx, "SHOW synchronous_commit")
			require.NoError(t, err)
			defer rows.Close()
			require.True(t, rows.Next())
			var v string
			require.NoError(t, rows.Scan(&v))
			return v
		}
		var before, after string
		require.NoError(t, withTx(ctx, pdb, func(tx *entapi.Tx) error {
			before = show(tx)
			if err := tx.Task.UpdateOneID(tk.ID).SetStatus(task.StatusCompleted).Exec(ctx); err != nil {
				return err
			}
			tk.Status = task.StatusCompleted
			_, _, err := announce(ctx, tx, FixedOrgLimit(0), tk, nil)
			after = show(tx)
			return err
		}))
		require.Equal(t, "off", before, "a pipeline session")
		require.Equal(t, "on", after, "the transaction that ends a task")
	})
}
