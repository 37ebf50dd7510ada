package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/apikey"
)

func TestAPIKeyScopes(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org := platform.NewID()
		owner := e.roleToken(t, org, "owner")
		keyWith := func(scopes ...string) string {
			return e.createKey(t, owner, map[string]any{"name": strings.Join(scopes, "+"), "scopes": scopes}).Key
		}
		read, write, both := keyWith("read"), keyWith("write"), keyWith("read", "write")
		// A key from before scopes existed: nothing stored, full access.
		legacy, err := apikeys.Issue(context.Background(), e.db, apikeys.Org{ID: org, Name: "o"}, "legacy")
		require.NoError(t, err)
		ctx := tenant.With(context.Background(), org)
		require.NoError(t, e.db.APIKey.Update().Where(apikey.Name("legacy")).ClearScopes().Exec(ctx))
		ds := e.upload(t, both, "seed", peopleCSV)

		type call struct{ method, path, ctype, body string }
		get := call{http.MethodGet, "/v1/api/datasets", "", ""}
		show := call{http.MethodGet, "/v1/api/datasets/" + ds, "", ""}
		post := call{http.MethodPost, "/v1/api/datasets?name=n", "text/csv", peopleCSV}
		task := call{http.MethodPost, "/v1/api/tasks", "application/json", `{"dataset_id":"` + ds + `","rules":[]}`}
		cases := []struct {
			name   string
			key    string
			call   call
			status int
		}{
			{"read key lists", read, get, 200},
			{"read key reads", read, show, 200},
			{"read key uploads", read, post, 403},
			{"read key starts a task", read, task, 403},
			{"write key lists", write, get, 403},
			{"write key uploads", write, post, 201},
			{"write key starts a task", write, task, 202},
			{"read+write key lists", both, get, 200},
			{"read+write key uploads", both, post, 201},
			{"legacy key lists", legacy, get, 200},
			{"legacy key uploads", legacy, post, 201},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.countDatasets(t, org)
				res := e.do(t, tc.call.method, tc.call.path, tc.key, tc.call.ctype, tc.call.body)
				if tc.status != http.StatusForbidden {
					require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
					return
				}
				need := "write"
				if tc.call.method == http.MethodGet {
					need = "read"
				}
				require.Contains(t, res.problem(t, http.StatusForbidden), `lacks the "`+need+`" scope`)
				require.Equal(t, before, e.countDatasets(t, org), "a refused request changes nothing")
			})
		}
		// The web app's tokens are not scoped.
		res := e.do(t, http.MethodGet, "/v1/api/datasets", owner, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		l := e.listKeys(t, owner, "")
		for _, k := range l.Data {
			if k.Name == "legacy" {
				require.Equal(t, []string{"read", "write"}, k.Scopes, "a legacy key shows its effective scopes")
			}
		}
	})
}

func TestAPIKeyExpiresAndRecordsUseAgainAfterAMinute(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org := platform.NewID()
		owner := e.roleToken(t, org, "owner")
		k := e.createKey(t, owner, map[string]any{"name": "x", "scopes": []string{"read"}, "expires_at": time.Now().UTC().Add(time.Hour).Format(time.RFC3339)})
		ctx := tenant.With(context.Background(), org)

		// A use two minutes ago is old enough to be written again.
		old := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Microsecond)
		require.NoError(t, e.db.APIKey.UpdateOneID(k.ID).SetLastUsedAt(old).Exec(ctx))
		res := e.do(t, http.MethodGet, "/v1/api/datasets", k.Key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		row, err := e.db.APIKey.Get(ctx, k.ID)
		require.NoError(t, err)
		require.True(t, row.LastUsedAt.After(old), "last_used_at moved on: %v", row.LastUsedAt)
		written := *row.LastUsedAt

		// Seconds later it is not written again.
		res = e.do(t, http.MethodGet, "/v1/api/datasets", k.Key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		row, err = e.db.APIKey.Get(ctx, k.ID)
		require.NoError(t, err)
		require.True(t, written.Equal(*row.LastUsedAt))

		// Once its expiry has passed, the key fails on the next request.
		require.NoError(t, e.db.APIKey.UpdateOneID(k.ID).SetExpiresAt(time.Now().UTC().Add(-time.Second)).Exec(ctx))
		res = e.do(t, http.MethodGet, "/v1/api/datasets", k.Key, "", nil)
		require.Contains(t, res.problem(t, http.StatusUnauthorized), "expired")
	})
}
