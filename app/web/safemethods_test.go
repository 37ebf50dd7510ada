package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rowCounts is what a state change would move.
func (e *testEnv) rowCounts(t *testing.T) []int {
	t.Helper()
	ctx := context.Background()
	_, uploads, created := e.api.state()
	return []int{
		e.db.User.Query().CountX(ctx), e.db.Organization.Query().CountX(ctx),
		e.db.Membership.Query().CountX(ctx), len(uploads), len(created), len(e.api.deletedDatasets()),
	}
}

// No GET changes state: a GET (or HEAD) to the path of every state-changing route,
// signed in, either reaches a page of its own or nothing, and moves no row.
func TestNoStateChangeOnGet(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.login(t, env.owner(t))
	before := env.rowCounts(t)
	seen := map[string]bool{}
	for _, r := range env.app.GetRoutes(true) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			continue
		}
		path := strings.ReplaceAll(r.Path, ":id", "0193a1b2-0000-7000-8000-000000000000")
		if seen[path] {
			continue
		}
		seen[path] = true
		t.Run(path, func(t *testing.T) {
			for _, m := range []string{http.MethodGet, http.MethodHead} {
				res := c.do(httptest.NewRequest(m, path, nil))
				require.Less(t, res.StatusCode, http.StatusInternalServerError, "%s %s", m, path)
			}
			require.Equal(t, before, env.rowCounts(t), "GET %s changed state", path)
			// Still signed in: no GET logs out either.
			require.Equal(t, http.StatusOK, c.get("/dashboard").StatusCode)
		})
	}
	require.True(t, seen["/logout"], "the route table was walked")
	require.True(t, seen["/login"])
}
