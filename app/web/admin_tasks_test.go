package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/ent/web/auditentry"
)

// fakeServiceAPI answers the API's backoffice endpoints, for service tokens only.
type fakeServiceAPI struct {
	mu    sync.Mutex
	calls []string // "METHOD path?query"
}

func (f *fakeServiceAPI) start(t *testing.T, signer *auth.Signer) *httptest.Server {
	v := auth.NewVerifier(signer.Keys())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		c, err := v.Verify(r.Context(), tok)
		if err != nil {
			problem(w, &apiProblem{Status: 401, Title: "Unauthorized", Detail: "bad token"})
			return
		}
		if _, ok := c.IsService(); !ok {
			problem(w, &apiProblem{Status: 403, Title: "Forbidden", Detail: "service tokens only"})
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
		f.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/internal/service/admin/tasks":
			writeJSON(w, 200, map[string]any{"next_cursor": "c2", "data": []map[string]any{
				{"id": "t-failed", "org_id": "o1", "dataset_id": "d1", "status": "failed", "stage": "fetch", "error": "boom", "created_at": "2026-01-01T00:00:00Z"},
				{"id": "t-running", "org_id": "o2", "dataset_id": "d2", "status": "processing", "stage": "transform", "created_at": "2026-01-01T00:00:00Z"},
			}})
		case r.Method == http.MethodGet && r.URL.Path == "/v1/internal/service/admin/stats":
			writeJSON(w, 200, map[string]any{"tasks_by_status": map[string]int{"failed": 1, "processing": 1}, "database": "ok"})
		case r.URL.Path == "/v1/internal/service/admin/tasks/t-failed/retry":
			writeJSON(w, 202, map[string]any{"id": "t-new", "org_id": "o1", "dataset_id": "d1", "status": "pending", "created_at": "2026-01-01T00:00:00Z"})
		case r.URL.Path == "/v1/internal/service/admin/tasks/t-running/cancel":
			writeJSON(w, 202, map[string]any{"id": "t-running", "org_id": "o2", "dataset_id": "d2", "status": "cancelled", "created_at": "2026-01-01T00:00:00Z"})
		case r.URL.Path == "/v1/internal/service/admin/tasks/t-failed/cancel":
			problem(w, &apiProblem{Status: 409, Title: "Conflict", Detail: "the task has already failed"})
		default:
			problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "no such task"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The tasks page lists every organization's tasks from the API with the service token;
// cancel and retry go through the API and are audited.
func TestAdminTasks(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := &fakeServiceAPI{}
		srv := fake.start(t, env.signer)
		env.srv.admin.api = newAPIClient(srv.URL, srv.Client(), env.signer, env.cfg.MaxUploadBytes)
		st := env.staff(t)
		sc := env.login(t, st)

		doc := sc.get("/admin/tasks?status=failed&org=o1").doc(t)
		require.Equal(t, 2, doc.Find("#admin-tasks-table .admin-task-row").Length())
		require.Equal(t, 1, doc.Find("#admin-task-t-failed .task-retry").Length())
		require.Equal(t, 1, doc.Find("#admin-task-t-running .task-cancel").Length())
		require.Equal(t, 1, doc.Find("#tasks-next").Length())
		require.Contains(t, fake.calls, "GET /v1/internal/service/admin/tasks?limit=50&org=o1&status=failed")

		doc = sc.get("/admin").doc(t)
		require.Equal(t, "1", strings.TrimSpace(doc.Find("#tasks-failed td").Last().Text()))

		res := sc.postForm("/admin/tasks/t-failed/retry", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		e := env.db.AuditEntry.Query().Where(auditentry.Action(audit.AdminTaskRetried)).OnlyX(context.Background())
		require.Equal(t, st.UserID, *e.ActorID)
		require.Equal(t, "o1", *e.OrgID)
		require.Equal(t, "t-failed", e.TargetID)
		require.Contains(t, e.Details, "t-new")

		res = sc.postForm("/admin/tasks/t-running/cancel", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, 1, env.auditCount(t, audit.AdminTaskCancelled, st.UserID))

		// The API's refusal reaches the staff user; nothing is audited.
		res = sc.postForm("/admin/tasks/t-failed/cancel", url.Values{})
		require.Equal(t, http.StatusConflict, res.StatusCode)
		require.Equal(t, 1, env.auditCount(t, audit.AdminTaskCancelled, st.UserID))
	})
}
