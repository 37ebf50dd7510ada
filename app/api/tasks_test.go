package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/task"
)

type stageJSON struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
}

type taskJSON struct {
	ID         string      `json:"id"`
	DatasetID  string      `json:"dataset_id"`
	Status     string      `json:"status"`
	Stage      string      `json:"stage"`
	Progress   float64     `json:"progress"`
	Score      *float64    `json:"score"`
	Error      string      `json:"error"`
	CreatedAt  time.Time   `json:"created_at"`
	StartedAt  *time.Time  `json:"started_at"`
	FinishedAt *time.Time  `json:"finished_at"`
	Stages     []stageJSON `json:"stages"`
}

const ageRule = `[{"column":"age","check":"range","min":18,"max":65}]`

// createTask posts a task over dataset ds and returns it.
func (e *env) createTask(t *testing.T, key, ds, rules string) taskJSON {
	t.Helper()
	body := `{"dataset_id":"` + ds + `","rules":` + rules + `}`
	res := e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", body)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
	var tk taskJSON
	res.json(t, &tk)
	return tk
}

func TestCreateTask(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)

		created := e.createTask(t, key, ds, ageRule)
		require.NotEmpty(t, created.ID)
		require.Equal(t, ds, created.DatasetID)
		require.Equal(t, "pending", created.Status)
		require.NotNil(t, created.Stages, "stages is always an array")

		res := e.do(t, http.MethodGet, "/v1/api/tasks/"+created.ID, key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var shown taskJSON
		res.json(t, &shown)
		require.Equal(t, created.ID, shown.ID)
		require.Contains(t, string(res.body), `"score":null`)

		var list page[taskJSON]
		e.do(t, http.MethodGet, "/v1/api/tasks", key, "", nil).json(t, &list)
		require.Len(t, list.Data, 1)
		require.Equal(t, created.ID, list.Data[0].ID)
	})
}

func TestCreateTaskRejects(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		cases := []struct {
			name   string
			ctype  string
			body   string
			status int
			detail string
		}{
			{"unknown field", "application/json", `{"dataset_id":"` + ds + `","rulez":[]}`, 422, "rulez"},
			{"unknown rule field", "application/json", `{"dataset_id":"` + ds + `","rules":[{"column":"age","check":"not_null","mni":1}]}`, 422, "mni"},
			{"unknown check", "application/json", `{"dataset_id":"` + ds + `","rules":[{"column":"age","check":"nope"}]}`, 422, `unknown check "nope"`},
			{"missing column", "application/json", `{"dataset_id":"` + ds + `","rules":[{"column":"zz","check":"not_null"}]}`, 422, `column "zz"`},
			{"rules not an array", "application/json", `{"dataset_id":"` + ds + `","rules":{}}`, 422, "rules"},
			{"no dataset id", "application/json", `{"rules":[]}`, 422, "dataset_id"},
			{"malformed json", "application/json", `{"dataset_id":`, 422, "JSON"},
			{"two values", "application/json", `{"dataset_id":"` + ds + `"} {}`, 422, "single"},
			{"wrong type", "application/json", `{"dataset_id":5}`, 422, "dataset_id"},
			{"unknown dataset", "application/json", `{"dataset_id":"0190c0de-0000-7000-8000-000000000000"}`, 404, "dataset"},
			{"not json", "text/plain", `dataset_id=x`, 415, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.doMalformed(t, http.MethodPost, "/v1/api/tasks", key, tc.ctype, tc.body)
				require.Contains(t, res.problem(t, tc.status), tc.detail)
				require.Zero(t, e.countTasks(t, org))
			})
		}
	})
}

func TestCancelTask(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		tk := e.createTask(t, key, ds, "[]")

		res := e.do(t, http.MethodPost, "/v1/api/tasks/"+tk.ID+"/cancel", key, "", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		var got taskJSON
		res.json(t, &got)
		require.Equal(t, "cancelled", got.Status)

		// Cancelling again is a no-op; a completed task cannot be cancelled.
		res = e.do(t, http.MethodPost, "/v1/api/tasks/"+tk.ID+"/cancel", key, "", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		done := e.createTask(t, key, ds, "[]")
		e.setStatus(t, org, done.ID, task.StatusCompleted)
		e.do(t, http.MethodPost, "/v1/api/tasks/"+done.ID+"/cancel", key, "", nil).problem(t, http.StatusConflict)
	})
}

// setStatus forces a task's status, as the pipeline would.
func (e *env) setStatus(t *testing.T, org, id string, s task.Status) {
	t.Helper()
	err := e.db.Task.UpdateOneID(id).SetStatus(s).SetFinishedAt(time.Now()).Exec(tenant.With(context.Background(), org))
	require.NoError(t, err)
}

func TestReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		tk := e.createTask(t, key, ds, "[]")

		res := e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil)
		require.Contains(t, res.problem(t, http.StatusConflict), "pending")
		require.Contains(t, string(res.body), `"title":"report not ready"`)

		body := `{"task_id":"` + tk.ID + `","dataset_id":"` + ds + `","rows":4,"score":97.5,` +
			`"dimensions":{"completeness":1,"validity":1,"uniqueness":1},"duplicate_rows":0,` +
			`"columns":[{"name":"age","type":"integer","count":4,"nulls":0,"distinct":4,"distinct_approx":false,` +
			`"min":29,"max":55,"mean":39.75,"stddev":9.8,"quantiles":{"p25":29,"p50":34,"p75":41},"quantiles_approx":true,` +
			`"invalid":0,"top":[{"value":"=1+1","count":1}],"top_approx":false,"formats":[],"min_length":2,"max_length":2}],"rules":[]}`
		ctx := tenant.With(context.Background(), org)
		e.setStatus(t, org, tk.ID, task.StatusCompleted)
		_, err := e.db.Report.Create().SetTaskID(tk.ID).SetDatasetID(ds).SetScore(97.5).SetRows(4).
			SetBody(json.RawMessage(body)).Save(ctx)
		require.NoError(t, err)

		res = e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		require.Contains(t, res.Header.Get("Content-Type"), "application/json")
		var rep struct {
			TaskID string  `json:"task_id"`
			Score  float64 `json:"score"`
		}
		res.json(t, &rep)
		require.Equal(t, tk.ID, rep.TaskID)
		require.Equal(t, 97.5, rep.Score)

		res = e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report?format=csv", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		require.Equal(t, `attachment; filename="report-`+tk.ID+`.csv"`, res.Header.Get("Content-Disposition"))
		require.Contains(t, res.Header.Get("Content-Type"), "text/csv")
		require.Contains(t, string(res.body), "name,type,count")
		require.Contains(t, string(res.body), "'=1+1", "formula cells are defused")

		e.doMalformed(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report?format=xml", key, "", nil).problem(t, http.StatusUnprocessableEntity)
	})
}
