package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTaskPagination(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		_, otherKey := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		var want []string
		for range 5 {
			want = append(want, e.createTask(t, key, ds, "[]").ID)
		}
		e.createTask(t, otherKey, e.upload(t, otherKey, "other.csv", peopleCSV), "[]")
		slices.Reverse(want) // newest first

		var got []string
		path := "/v1/api/tasks?limit=2"
		for pages := 0; ; pages++ {
			require.Less(t, pages, 3)
			res := e.do(t, http.MethodGet, path, key, "", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
			var p page[taskJSON]
			res.json(t, &p)
			for _, tk := range p.Data {
				got = append(got, tk.ID)
			}
			if p.NextCursor == nil {
				require.Len(t, p.Data, 1)
				break
			}
			require.Len(t, p.Data, 2)
			path = "/v1/api/tasks?limit=2&cursor=" + *p.NextCursor
		}
		require.Equal(t, want, got, "newest first, each once, none of another organization")

		for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=***", "cursor=%00"} {
			t.Run(q, func(t *testing.T) {
				e.doMalformed(t, http.MethodGet, "/v1/api/tasks?"+q, key, "", nil).problem(t, http.StatusUnprocessableEntity)
			})
		}
	})
}
