package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/jobs"
)

// startPool runs the pipeline workers against the env's stores; the web app's webhook
// receiver is a stub that accepts everything.
func (e *env) startPool(t *testing.T) {
	t.Helper()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(web.Close)
	pool := jobs.NewPool(jobs.Deps{
		DB: e.db, Redis: e.redis, Namespace: e.cfg.RedisNamespace, Blobs: e.blobs, Events: e.pub,
		WebURL: web.URL, WebhookSecret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", Log: slog.New(slog.DiscardHandler),
	}, jobs.PoolOptions{Concurrency: 4})
	e.jobs.AttachPool(pool)
	pool.Start()
	t.Cleanup(pool.Stop)
}

func TestPipelineEndToEnd(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		e.startPool(t)
		addr := e.listen(t)
		ds := e.upload(t, key, "people.csv", peopleCSV+"5,Eve,17\n")
		tk := e.createTask(t, key, ds, ageRule)

		// The stream relays the pipeline's own events up to the terminal one.
		_, r := openEvents(t, addr, key, eventsPath(tk.ID))
		var last sseEvent
		for {
			ev, ok := readEvent(t, r)
			if !ok {
				break
			}
			require.Greater(t, ev.id, last.id)
			last = ev
		}
		require.Equal(t, "completed", last.typ, "last event: %+v", last.data)

		var got taskJSON
		e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID, key, "", nil).json(t, &got)
		require.Equal(t, "completed", got.Status)
		require.NotNil(t, got.Score)
		require.NotNil(t, got.FinishedAt)
		require.NotEmpty(t, got.Stages)
		for _, s := range got.Stages {
			if s.Name != "notify" { // the webhook may still be on its way
				require.Equal(t, s.Total, s.Done, "stage %s", s.Name)
			}
		}

		res := e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var rep struct {
			TaskID string  `json:"task_id"`
			Rows   int64   `json:"rows"`
			Score  float64 `json:"score"`
			Rules  []struct {
				Passed     bool  `json:"passed"`
				FailedRows int64 `json:"failed_rows"`
			} `json:"rules"`
		}
		res.json(t, &rep)
		require.Equal(t, tk.ID, rep.TaskID)
		require.EqualValues(t, 5, rep.Rows)
		require.Equal(t, *got.Score, rep.Score)
		require.Len(t, rep.Rules, 1)
		require.False(t, rep.Rules[0].Passed)
		require.EqualValues(t, 1, rep.Rules[0].FailedRows, "Eve is 17")

		res = e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report?format=csv", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, string(res.body), "\nage,integer,5,")
	})
}
