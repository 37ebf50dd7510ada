package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/task"
)

type adminTask struct {
	ID        string `json:"id"`
	OrgID     string `json:"org_id"`
	DatasetID string `json:"dataset_id"`
	Status    string `json:"status"`
}

// The backoffice endpoints list every organization's tasks, cancel and re-run them, and
// count them; they answer service tokens only.
func TestAdminServiceEndpoints(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		orgA, keyA := e.org(t)
		orgB, keyB := e.org(t)
		dsA := e.upload(t, keyA, "a.csv", "name,age\nann,30\nbob,40\n")
		dsB := e.upload(t, keyB, "b.csv", "name\nx\n")
		var tA, tB adminTask
		e.do(t, http.MethodPost, "/v1/api/tasks", keyA, "application/json",
			`{"dataset_id":"`+dsA+`","rules":[{"column":"age","check":"range","min":18,"max":35}]}`).json(t, &tA)
		e.do(t, http.MethodPost, "/v1/api/tasks", keyB, "application/json", `{"dataset_id":"`+dsB+`"}`).json(t, &tB)

		// Anything but a service token is refused.
		for _, tok := range []string{keyA, e.token(t, orgA, "free", auth.Limits{})} {
			e.do(t, http.MethodGet, "/v1/internal/service/admin/tasks", tok, "", nil).problem(t, http.StatusForbidden)
			e.do(t, http.MethodPost, "/v1/internal/service/admin/tasks/"+tA.ID+"/cancel", tok, "", nil).problem(t, http.StatusForbidden)
		}

		var list struct {
			Data       []adminTask `json:"data"`
			NextCursor *string     `json:"next_cursor"`
		}
		e.do(t, http.MethodGet, "/v1/internal/service/admin/tasks", svc, "", nil).json(t, &list)
		orgs := map[string]string{}
		for _, x := range list.Data {
			orgs[x.ID] = x.OrgID
		}
		require.Equal(t, map[string]string{tA.ID: orgA, tB.ID: orgB}, orgs, "both organizations' tasks")
		e.do(t, http.MethodGet, "/v1/internal/service/admin/tasks?org="+orgB, svc, "", nil).json(t, &list)
		require.Len(t, list.Data, 1)
		require.Equal(t, tB.ID, list.Data[0].ID)
		e.doMalformed(t, http.MethodGet, "/v1/internal/service/admin/tasks?status=nope", svc, "", nil).problem(t, http.StatusUnprocessableEntity)

		// Cancel a task (whatever its state now: a finished one is a conflict).
		cur := e.db.Task.GetX(tenant.System(ctx), tA.ID)
		res := e.do(t, http.MethodPost, "/v1/internal/service/admin/tasks/"+tA.ID+"/cancel", svc, "", nil)
		if cur.Status == task.StatusPending || cur.Status == task.StatusProcessing {
			var got adminTask
			require.Equal(t, http.StatusAccepted, res.StatusCode)
			res.json(t, &got)
			require.Equal(t, "cancelled", got.Status)
			require.Equal(t, orgA, got.OrgID)
		} else {
			res.problem(t, http.StatusConflict)
		}
		require.NotEqual(t, task.StatusPending, e.db.Task.GetX(tenant.System(ctx), tA.ID).Status)

		// Retry starts a new task of the same dataset with the same rules, in the same org.
		var re adminTask
		res = e.do(t, http.MethodPost, "/v1/internal/service/admin/tasks/"+tA.ID+"/retry", svc, "", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, string(res.body))
		res.json(t, &re)
		require.NotEqual(t, tA.ID, re.ID)
		require.Equal(t, orgA, re.OrgID)
		require.Equal(t, dsA, re.DatasetID)
		old := e.db.Task.GetX(tenant.System(ctx), tA.ID)
		nt := e.db.Task.GetX(tenant.System(ctx), re.ID)
		require.JSONEq(t, string(old.Rules), string(nt.Rules))
		require.Equal(t, 3, e.countTasks(t, orgA)+e.countTasks(t, orgB))
		e.do(t, http.MethodPost, "/v1/internal/service/admin/tasks/nope/retry", svc, "", nil).problem(t, http.StatusNotFound)

		var stats struct {
			TasksByStatus map[string]int `json:"tasks_by_status"`
			Database      string         `json:"database"`
		}
		e.do(t, http.MethodGet, "/v1/internal/service/admin/stats", svc, "", nil).json(t, &stats)
		require.Equal(t, "ok", stats.Database)
		total := 0
		for _, n := range stats.TasksByStatus {
			total += n
		}
		require.Equal(t, 3, total)
	})
}
