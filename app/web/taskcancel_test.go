package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
)

// cancelTask stops a running task as the API does; an ended one is a conflict.
func (f *fakeAPI) cancelTask(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[r.PathValue("id")]
	if !ok || t.OrgID != c.OrgID {
		problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "task not found"})
		return
	}
	switch t.Task.Status {
	case "completed", "failed":
		problem(w, &apiProblem{Status: 409, Title: "Conflict", Detail: "the task has already " + t.Task.Status})
		return
	case "pending", "processing":
		t.Task.Status = "cancelled"
		f.tasks[t.Task.ID] = t
	}
	writeJSON(w, http.StatusAccepted, t.Task)
}

func TestTaskCancel(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		c := env.login(t, o)
		foreign := env.seedTask(t, other, "processing")

		cases := []struct {
			name, status, want string
			button             bool
		}{
			{"pending", "pending", "cancelled", true},
			{"processing", "processing", "cancelled", true},
			{"completed meanwhile", "completed", "completed", false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id := env.seedTask(t, o, tc.status)
				doc := c.get("/tasks/" + id).doc(t)
				form := doc.Find("form#task-cancel")
				require.Equal(t, tc.button, form.Length() == 1, "cancel button")
				if tc.button {
					require.Equal(t, "/tasks/"+id+"/cancel", form.AttrOr("action", ""))
					require.Equal(t, "post", form.AttrOr("method", ""))
					require.NotEmpty(t, form.Find(`input[name="csrf_token"]`).AttrOr("value", ""))
				}

				res := c.postForm("/tasks/"+id+"/cancel", url.Values{})
				require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
				require.Equal(t, "/tasks/"+id, res.Header.Get("Location"))

				doc = c.get("/tasks/" + id).doc(t)
				require.Equal(t, tc.want, strings.TrimSpace(doc.Find("#task-status").Text()))
				require.Zero(t, doc.Find("form#task-cancel").Length(), "no button once ended")
			})
		}
		t.Run("htmx", func(t *testing.T) {
			id := env.seedTask(t, o, "processing")
			res := c.postForm("/tasks/"+id+"/cancel", url.Values{}, "HX-Request", "true")
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
			require.Equal(t, "/tasks/"+id, res.Header.Get("HX-Redirect"))
		})
		t.Run("without the CSRF token", func(t *testing.T) {
			id := env.seedTask(t, o, "processing")
			res := c.postForm("/tasks/"+id+"/cancel", url.Values{fieldCSRF: {"wrong"}})
			require.Equal(t, http.StatusForbidden, res.StatusCode)
			require.Equal(t, "processing", strings.TrimSpace(c.get("/tasks/"+id).doc(t).Find("#task-status").Text()))
		})
		t.Run("other organization", func(t *testing.T) {
			res := c.postForm("/tasks/"+foreign+"/cancel", url.Values{})
			require.Equal(t, http.StatusNotFound, res.StatusCode)
		})
	})
}
