package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
)

type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// seedDatasets inserts n datasets of org directly and returns their ids, newest first.
func (e *env) seedDatasets(t *testing.T, org string, n int) []string {
	t.Helper()
	ctx := tenant.With(context.Background(), org)
	ids := make([]string, n)
	for i := range n {
		id := platform.NewID()
		_, err := e.db.Dataset.Create().SetID(id).SetName("d").SetBlobKey("datasets/" + org + "/" + id + "/source.csv").
			SetColumns([]string{"id", "name", "age"}).SetRows(1).Save(ctx)
		require.NoError(t, err)
		ids[n-1-i] = id
	}
	return ids
}

func TestDatasetPagination(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		want := e.seedDatasets(t, org, 5)

		var got []string
		path := "/v1/api/datasets?limit=2"
		for pages := 0; ; pages++ {
			require.Less(t, pages, 3)
			res := e.do(t, http.MethodGet, path, key, "", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
			var p page[datasetJSON]
			res.json(t, &p)
			for _, d := range p.Data {
				got = append(got, d.ID)
			}
			if p.NextCursor == nil {
				require.Len(t, p.Data, 1)
				break
			}
			require.Len(t, p.Data, 2)
			path = "/v1/api/datasets?limit=2&cursor=" + *p.NextCursor
		}
		require.Equal(t, want, got, "newest first, each once")

		res := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil)
		var all page[datasetJSON]
		res.json(t, &all)
		require.Len(t, all.Data, 5, "default limit is 20")
		require.Nil(t, all.NextCursor)
	})
}

func TestDatasetPaginationRejects(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	_, key := e.org(t)
	cases := []struct {
		query  string
		status int
	}{
		{"limit=0", http.StatusUnprocessableEntity},
		{"limit=101", http.StatusUnprocessableEntity},
		{"limit=x", http.StatusUnprocessableEntity},
		{"cursor=***", http.StatusUnprocessableEntity},
		{"limit=100", http.StatusOK},
		{"cursor=QQ", http.StatusOK}, // well-formed but unknown: just a position
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			if tc.status == http.StatusOK {
				res := e.do(t, http.MethodGet, "/v1/api/datasets?"+tc.query, key, "", nil)
				require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
				return
			}
			e.doMalformed(t, http.MethodGet, "/v1/api/datasets?"+tc.query, key, "", nil).problem(t, tc.status)
		})
	}
}

func TestDatasetDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ids := e.seedDatasets(t, org, 2)

		res := e.do(t, http.MethodDelete, "/v1/api/datasets/"+ids[0], key, "", nil)
		require.Equal(t, http.StatusNoContent, res.StatusCode, "body: %s", res.body)
		require.Empty(t, res.body)

		e.do(t, http.MethodGet, "/v1/api/datasets/"+ids[0], key, "", nil).problem(t, http.StatusNotFound)
		e.do(t, http.MethodDelete, "/v1/api/datasets/"+ids[0], key, "", nil).problem(t, http.StatusNotFound)
		e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json",
			map[string]any{"dataset_id": ids[0]}).problem(t, http.StatusNotFound)

		var p page[datasetJSON]
		e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil).json(t, &p)
		require.Len(t, p.Data, 1)
		require.Equal(t, ids[1], p.Data[0].ID)
		require.NotNil(t, e.getDataset(t, org, ids[0]).DeletedAt, "the row stays, marked deleted")
	})
}

func TestTenantIsolation(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		orgA, keyA := e.org(t)
		_, keyB := e.org(t)
		ds := e.upload(t, keyA, "a.csv", peopleCSV)
		res := e.do(t, http.MethodPost, "/v1/api/tasks", keyA, "application/json", map[string]any{"dataset_id": ds})
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		var task struct{ ID string }
		res.json(t, &task)

		for _, r := range []struct{ method, path string }{
			{http.MethodGet, "/v1/api/datasets/" + ds},
			{http.MethodDelete, "/v1/api/datasets/" + ds},
			{http.MethodGet, "/v1/api/tasks/" + task.ID},
			{http.MethodPost, "/v1/api/tasks/" + task.ID + "/cancel"},
			{http.MethodGet, "/v1/api/tasks/" + task.ID + "/events"},
			{http.MethodGet, "/v1/api/tasks/" + task.ID + "/report"},
		} {
			t.Run(r.method+" "+r.path, func(t *testing.T) {
				e.do(t, r.method, r.path, keyB, "", nil).problem(t, http.StatusNotFound)
			})
		}
		e.do(t, http.MethodPost, "/v1/api/tasks", keyB, "application/json",
			map[string]any{"dataset_id": ds}).problem(t, http.StatusNotFound)

		for _, path := range []string{"/v1/api/datasets", "/v1/api/tasks"} {
			var p page[map[string]any]
			e.do(t, http.MethodGet, path, keyB, "", nil).json(t, &p)
			require.Empty(t, p.Data, path)
		}
		require.Equal(t, 1, e.countDatasets(t, orgA), "org B deleted nothing")
		require.Nil(t, e.getDataset(t, orgA, ds).DeletedAt)
	})
}
