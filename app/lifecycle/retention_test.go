package lifecycle_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/lifecycle"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/usage"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/ent/api/task"
	apitenant "github.com/assayhq/assay/ent/api/tenant"
	"github.com/assayhq/assay/schema"
)

// age moves a dataset's creation days into the past.
func age(t *testing.T, env *apptest.Env, id string, days int) {
	t.Helper()
	ctx := tenant.System(context.Background())
	d := env.Stack.API.DB.Dataset.GetX(ctx, id)
	// created_at is immutable through Ent; both dialects take $1-style placeholders.
	_, err := env.Stack.API.DB.ExecContext(ctx, `UPDATE datasets SET created_at = $1 WHERE id = $2`, d.CreatedAt.AddDate(0, 0, -days), id)
	require.NoError(t, err)
}

// datasetJSON reads a dataset through the API.
func datasetJSON(t *testing.T, env *apptest.Env, key, id string) (int, map[string]any) {
	t.Helper()
	res := env.API(t, http.MethodGet, "/v1/api/datasets/"+id, key, "", nil)
	var v map[string]any
	if res.StatusCode == http.StatusOK {
		res.JSON(t, &v)
	}
	return res.StatusCode, v
}

// A dataset past its organization's retention goes with its tasks, steps, report, files
// and metered storage; a newer one stays, as does one as old in an organization whose
// plan keeps data longer, and one with a task still running until that task ends.
func TestRetention(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		ctx := tenant.System(context.Background())
		api := env.Stack.API.DB
		free, pro := env.Org(t), env.Org(t)
		freeKey, proKey := env.APIKey(t, free), env.APIKey(t, pro)
		old, oldTask := runTask(t, env, free)
		fresh, _ := runTask(t, env, free)
		busy, busyTask := runTask(t, env, free)
		kept, _ := runTask(t, env, pro)
		require.NoError(t, api.Tenant.Update().Where(apitenant.ID(pro.Org.ID)).SetPlan("pro").SetRetentionDays(90).Exec(ctx))
		age(t, env, old, 8)
		age(t, env, busy, 8)
		age(t, env, kept, 8)
		api.Task.UpdateOneID(busyTask).SetStatus(task.StatusProcessing).ExecX(ctx)

		// The dataset says when it goes: created_at plus the plan's days.
		for _, c := range []struct {
			key, id string
			days    int
		}{{freeKey, fresh, 7}, {freeKey, old, 7}, {proKey, kept, 90}} {
			code, v := datasetJSON(t, env, c.key, c.id)
			require.Equal(t, http.StatusOK, code)
			created, err := time.Parse(time.RFC3339Nano, v["created_at"].(string))
			require.NoError(t, err)
			expires, err := time.Parse(time.RFC3339Nano, v["expires_at"].(string))
			require.NoError(t, err)
			require.Equal(t, time.Duration(c.days)*24*time.Hour, expires.Sub(created), c.id)
		}

		oldSize := api.Dataset.GetX(ctx, old).SizeBytes
		require.Positive(t, oldSize)
		c := &clock{now: time.Now().UTC()}
		before, err := usage.Current(ctx, api, free.Org.ID, c.now)
		require.NoError(t, err)
		blobs, err := platform.OpenDirBlobs(env.Config.BlobDir)
		require.NoError(t, err)
		r := &lifecycle.Retention{DB: api, Blobs: blobs, Now: c.Now, Log: slog.New(slog.DiscardHandler)}

		n, err := r.RunDue(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n, "only the old dataset without a running task")

		code, _ := datasetJSON(t, env, freeKey, old)
		require.Equal(t, http.StatusNotFound, code)
		require.False(t, api.Dataset.Query().Where(dataset.ID(old)).ExistX(ctx), "the row is gone, not hidden")
		require.Empty(t, countWhere(t, api, schema.API, "dataset_id", old))
		require.Empty(t, countWhere(t, api, schema.API, "task_id", oldTask, "webhook_deliveries"))
		require.Empty(t, blobFiles(t, env.Config.BlobDir, old, oldTask))
		after, err := usage.Current(ctx, api, free.Org.ID, c.now)
		require.NoError(t, err)
		require.Equal(t, before.StorageBytes-oldSize, after.StorageBytes)

		for _, id := range []string{fresh, busy} {
			code, _ := datasetJSON(t, env, freeKey, id)
			require.Equal(t, http.StatusOK, code, id)
			require.NotEmpty(t, blobFiles(t, env.Config.BlobDir, id), id)
		}
		code, _ = datasetJSON(t, env, proKey, kept)
		require.Equal(t, http.StatusOK, code, "the longer plan keeps it")
		require.NotEmpty(t, blobFiles(t, env.Config.BlobDir, kept))

		// Purging it directly (a task started since the run looked) leaves it as it is.
		_, err = lifecycle.PurgeDataset(ctx, api, blobs, api.Dataset.GetX(ctx, busy), c.now)
		require.ErrorIs(t, err, lifecycle.ErrDatasetBusy)
		require.Nil(t, api.Dataset.GetX(ctx, busy).DeletedAt)

		// Once its task ends, the busy dataset goes at the next run; then nothing more.
		api.Task.UpdateOneID(busyTask).SetStatus(task.StatusCompleted).ExecX(ctx)
		n, err = r.RunDue(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		code, _ = datasetJSON(t, env, freeKey, busy)
		require.Equal(t, http.StatusNotFound, code)
		require.Empty(t, blobFiles(t, env.Config.BlobDir, busy, busyTask))

		// The fresh dataset goes once the clock passes its expiry.
		c.now = c.now.AddDate(0, 0, 8)
		n, err = r.RunDue(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.False(t, api.Dataset.Query().Where(dataset.ID(fresh)).ExistX(ctx))
		require.True(t, api.Dataset.Query().Where(dataset.ID(kept)).ExistX(ctx))
		n, err = r.RunDue(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}
