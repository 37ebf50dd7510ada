package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/web/task"
)

func TestDashboardListsOnlyOwnTasks(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		a, b := env.owner(t), env.owner(t)
		for i, o := range []owner{a, a, b} {
			ctx := tenant.With(context.Background(), o.OrgID)
			env.db.Task.Create().SetID(fmt.Sprintf("task-%d-%s", i, o.OrgID[:8])).SetDatasetID("ds").
				SetDatasetName(fmt.Sprintf("data-%d.csv", i)).SetStatus("completed").SetScore(88.25).ExecX(ctx)
			time.Sleep(2 * time.Millisecond)
		}
		res := env.login(t, a).get("/dashboard")
		require.Equal(t, http.StatusOK, res.StatusCode)
		rows := res.doc(t).Find("#tasks tbody tr")
		require.Equal(t, 2, rows.Length())
		require.Contains(t, rows.First().Text(), "data-1.csv", "newest first")
		require.Contains(t, rows.First().Text(), "88.2")
		require.NotContains(t, res.Body, "data-2.csv")
		require.Equal(t, 0, env.db.Task.Query().Where(task.OrgID(b.OrgID)).CountX(tenant.With(context.Background(), a.OrgID)))
	})
}

// The dashboard shows an unfinished task as the API sees it now, and stores that, even
// before (or without) the final webhook; finished tasks cost no API call.
func TestDashboardRefreshesUnfinishedTasks(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		ctx := tenant.With(context.Background(), o.OrgID)
		env.db.Task.Create().SetID("t-running").SetDatasetID("ds").SetDatasetName("running.csv").
			SetStatus("pending").ExecX(ctx)
		score := 91.5
		env.api.setTask(o.OrgID, apiTask{ID: "t-running", DatasetID: "ds", Status: "completed", Stage: "save", Score: &score})

		c := env.login(t, o)
		res := c.get("/dashboard")
		require.Equal(t, http.StatusOK, res.StatusCode)
		row := res.doc(t).Find("#task-t-running")
		require.Contains(t, row.Text(), "completed")
		require.Contains(t, row.Text(), "91.5")
		stored := env.db.Task.GetX(ctx, "t-running")
		require.Equal(t, "completed", stored.Status)
		require.Equal(t, 91.5, *stored.Score)

		calls := env.api.listCalls()
		c.get("/dashboard")
		require.Equal(t, calls, env.api.listCalls(), "nothing unfinished: no API call")
	})
}
