package e2e

import (
	"math"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
)

func readExample(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../docs/examples/people.csv")
	require.NoError(t, err)
	return b
}

type reportJSON struct {
	TaskID     string  `json:"task_id"`
	Rows       int     `json:"rows"`
	Score      float64 `json:"score"`
	Dimensions struct {
		Completeness float64 `json:"completeness"`
		Validity     float64 `json:"validity"`
		Uniqueness   float64 `json:"uniqueness"`
	} `json:"dimensions"`
	DuplicateRows int `json:"duplicate_rows"`
	Columns       []struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Nulls int    `json:"nulls"`
	} `json:"columns"`
	Rules []struct {
		Column     string `json:"column"`
		Check      string `json:"check"`
		Passed     bool   `json:"passed"`
		FailedRows int    `json:"failed_rows"`
		Examples   []int  `json:"examples"`
	} `json:"rules"`
}

func TestRESTFlow(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		key := env.APIKey(t, env.Org(t))

		res := env.API(t, http.MethodPost, "/v1/api/datasets?name=people", key, "text/csv", readExample(t))
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.Body)
		var ds struct {
			ID      string   `json:"id"`
			Rows    int      `json:"rows"`
			Columns []string `json:"columns"`
		}
		res.JSON(t, &ds)
		require.Equal(t, 41, ds.Rows)
		require.Equal(t, []string{"id", "name", "email", "age", "country", "joined"}, ds.Columns)

		body := map[string]any{"dataset_id": ds.ID, "rules": []map[string]any{
			{"column": "age", "check": "range", "min": 18, "max": 65},
			{"column": "country", "check": "in", "values": []string{"DE", "FR", "NL"}},
			{"column": "email", "check": "regex", "pattern": "^[^@]+@[^@]+$"},
			{"column": "age", "check": "not_null"},
			{"column": "id", "check": "unique"},
		}}
		res = env.API(t, http.MethodPost, "/v1/api/tasks", key, "", body)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.Body)
		var task struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		res.JSON(t, &task)
		require.NotEmpty(t, task.ID)

		done := env.WaitTask(t, key, task.ID, 30*time.Second)
		require.Equal(t, "completed", done["status"], "%v", done)

		res = env.API(t, http.MethodGet, "/v1/api/tasks/"+task.ID+"/report", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.Body)
		var rep reportJSON
		res.JSON(t, &rep)
		require.Equal(t, task.ID, rep.TaskID)
		require.Equal(t, 41, rep.Rows)
		require.Equal(t, 1, rep.DuplicateRows, "the last row repeats row 5")
		// The score is recomputable from the dimensions, as documented.
		d := rep.Dimensions
		want := math.Round(1000*(0.35*d.Completeness+0.45*d.Validity+0.20*d.Uniqueness)) / 10
		require.InDelta(t, want, rep.Score, 0.051)
		checks := map[string]bool{}
		for _, r := range rep.Rules {
			checks[r.Column+"/"+r.Check] = r.Passed
			require.Equal(t, r.FailedRows == 0, r.Passed)
			if !r.Passed {
				require.NotEmpty(t, r.Examples)
			}
		}
		require.False(t, checks["id/unique"], "row 41 repeats id 5")
		require.False(t, checks["country/in"], "XX is not allowed")
		require.False(t, checks["age/not_null"], "every 7th age is empty")
		require.Len(t, rep.Columns, 6)

		// Another organization cannot see the task.
		other := env.APIKey(t, env.Org(t))
		res = env.API(t, http.MethodGet, "/v1/api/tasks/"+task.ID, other, "", nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	})
}

func TestBadKey(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		for _, token := range []string{"", "nope", "assay_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"} {
			res := env.API(t, http.MethodGet, "/v1/api/tasks", token, "", nil)
			require.Equal(t, http.StatusUnauthorized, res.StatusCode, "token %q", token)
			require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
		}
	})
}
