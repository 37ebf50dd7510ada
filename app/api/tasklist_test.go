package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
)

// TestListTasksByDataset: ?dataset_id= narrows the list to one dataset's runs, each
// with its score, within the caller's organization.
func TestListTasksByDataset(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		_, otherKey := e.org(t)
		people := e.upload(t, key, "people.csv", peopleCSV)
		cities := e.upload(t, key, "cities.csv", peopleCSV)
		first := e.createTask(t, key, people, "[]")
		second := e.createTask(t, key, people, "[]")
		e.createTask(t, key, cities, "[]")
		err := e.db.Task.UpdateOneID(first.ID).SetScore(88.5).Exec(tenant.With(context.Background(), org))
		require.NoError(t, err)

		tests := []struct {
			name, key, query string
			want             []string
		}{
			{"one dataset's runs, newest first", key, "?dataset_id=" + people, []string{second.ID, first.ID}},
			{"paged", key, "?limit=1&dataset_id=" + people, []string{second.ID}},
			{"unknown dataset", key, "?dataset_id=nope", []string{}},
			{"another organization's dataset", otherKey, "?dataset_id=" + people, []string{}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do(t, http.MethodGet, "/v1/api/tasks"+tc.query, tc.key, "", nil)
				require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
				var list page[taskJSON]
				res.json(t, &list)
				ids := []string{}
				for _, tk := range list.Data {
					require.Equal(t, people, tk.DatasetID)
					ids = append(ids, tk.ID)
					if tk.ID == first.ID {
						require.NotNil(t, tk.Score)
						require.Equal(t, 88.5, *tk.Score)
					}
				}
				require.Equal(t, tc.want, ids)
			})
		}

		var all page[taskJSON]
		e.do(t, http.MethodGet, "/v1/api/tasks", key, "", nil).json(t, &all)
		require.Len(t, all.Data, 3, "without the filter every task is listed")
	})
}
