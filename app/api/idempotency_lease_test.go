package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/idempotencykey"
)

// idemKey loads an organization's idempotency key row, nil when there is none.
func (e *env) idemKey(t *testing.T, org, key string) *entapi.IdempotencyKey {
	t.Helper()
	row, err := e.db.IdempotencyKey.Query().Where(idempotencykey.Key(key)).Only(tenant.With(context.Background(), org))
	if entapi.IsNotFound(err) {
		return nil
	}
	require.NoError(t, err)
	return row
}

// A request that holds a key keeps it for as long as its upload streams, past any one
// lease; a second request with the key meanwhile is 409, and a retry after it replays.
func TestIdempotencyConcurrentRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		const lease = 300 * time.Millisecond
		e.rebuild(t, func(d *api.Deps) { d.IdempotencyLease = lease })
		org, key := e.org(t)
		addr := e.listen(t)
		full := "id,name,age\n" + strings.Repeat("1,Ann,34\n", 4000)
		path := "/v1/api/datasets?name=big"

		pr, pw := io.Pipe()
		t.Cleanup(func() { _ = pw.CloseWithError(errors.New("the test ended")) })
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, pr)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set(keyHeader, "slow")
		type result struct {
			status int
			body   string
			err    error
		}
		done := make(chan result, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- result{err: err}
				return
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			done <- result{res.StatusCode, string(b), err}
		}()
		_, err = io.WriteString(pw, full[:20000])
		require.NoError(t, err)

		var first *entapi.IdempotencyKey
		require.Eventually(t, func() bool { first = e.idemKey(t, org, "slow"); return first != nil },
			10*time.Second, 5*time.Millisecond, "the upload never claimed its key")
		require.Equal(t, idempotencykey.StatusInProgress, first.Status)
		// Wait until the first lease has run out: the request must have renewed it.
		require.Eventually(t, func() bool {
			row := e.idemKey(t, org, "slow")
			return time.Now().After(first.LockedUntil) && row.LockedUntil.After(first.LockedUntil)
		}, 10*time.Second, 10*time.Millisecond, "the lease was not renewed")

		for _, body := range []string{full, peopleCSV} {
			res := e.do(t, http.MethodPost, path, key, "text/csv", body, keyHeader, "slow")
			require.Contains(t, res.problem(t, http.StatusConflict), "in progress")
			require.Equal(t, "2", res.Header.Get("Retry-After"))
		}
		require.Zero(t, e.countDatasets(t, org))

		_, err = io.WriteString(pw, full[20000:])
		require.NoError(t, err)
		require.NoError(t, pw.Close())
		var got result
		select {
		case got = <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the upload never finished")
		}
		require.NoError(t, got.err)
		require.Equal(t, http.StatusCreated, got.status, "body: %s", got.body)

		again := e.do(t, http.MethodPost, path, key, "text/csv", full, keyHeader, "slow")
		require.Equal(t, http.StatusCreated, again.StatusCode, "body: %s", again.body)
		require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		require.JSONEq(t, got.body, string(again.body))
		require.Equal(t, 1, e.countDatasets(t, org))
		require.Equal(t, idempotencykey.StatusCompleted, e.idemKey(t, org, "slow").Status)
	})
}

// Keys left behind by a crashed request (in progress past their lease) or kept past
// their expiry are taken over by the next request with the key.
func TestIdempotencyTakesOverAbandonedAndExpiredKeys(t *testing.T) {
	now := time.Now().UTC()
	cases := []struct {
		name       string
		status     idempotencykey.Status
		lockedTill time.Time
		expires    time.Time
		want       int
	}{
		{"abandoned", idempotencykey.StatusInProgress, now.Add(-time.Second), now.Add(time.Hour), http.StatusCreated},
		{"expired", idempotencykey.StatusCompleted, now.Add(-time.Hour), now.Add(-time.Second), http.StatusCreated},
		{"still locked", idempotencykey.StatusInProgress, now.Add(time.Hour), now.Add(time.Hour), http.StatusConflict},
		{"kept", idempotencykey.StatusCompleted, now.Add(-time.Hour), now.Add(time.Hour), http.StatusUnprocessableEntity},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				org, key := e.org(t)
				ctx := tenant.With(context.Background(), org)
				err := e.db.IdempotencyKey.Create().
					SetKey("k").SetMethod(http.MethodPost).SetPath("/v1/api/datasets").
					SetFingerprint(strings.Repeat("0", 64)).SetStatus(tc.status).
					SetLockToken("crashed").SetLockedUntil(tc.lockedTill).SetExpiresAt(tc.expires).
					SetResponseStatus(http.StatusCreated).SetResponseContentType("application/json").
					SetResponseBody([]byte(`{"stale":true}`)).
					Exec(ctx)
				require.NoError(t, err)

				res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", peopleCSV, keyHeader, "k")
				if tc.want != http.StatusCreated {
					res.problem(t, tc.want)
					require.Zero(t, e.countDatasets(t, org))
					return
				}
				require.Equal(t, tc.want, res.StatusCode, "body: %s", res.body)
				require.Empty(t, res.Header.Get("Idempotent-Replayed"))
				require.NotContains(t, string(res.body), "stale")
				require.Equal(t, 1, e.countDatasets(t, org))
				row := e.idemKey(t, org, "k")
				require.Equal(t, idempotencykey.StatusCompleted, row.Status)
				require.NotEqual(t, "crashed", row.LockToken)
				require.True(t, row.ExpiresAt.After(now.Add(23*time.Hour)), "a new 24 hours")
			})
		}
	})
}

// Requests racing with one key: the unique index lets one run; the others get 409 while
// it runs or its response after, and one dataset exists.
func TestIdempotencyRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		addr := e.listen(t)
		const n = 6
		type result struct {
			status   int
			replayed bool
			err      error
		}
		results := make(chan result, n)
		start := make(chan struct{})
		for range n {
			go func() {
				<-start
				req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/api/datasets?name=race", strings.NewReader(peopleCSV))
				if err != nil {
					results <- result{err: err}
					return
				}
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "text/csv")
				req.Header.Set(keyHeader, "race")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					results <- result{err: err}
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				results <- result{res.StatusCode, res.Header.Get("Idempotent-Replayed") == "true", nil}
			}()
		}
		close(start)
		ran := 0
		for range n {
			r := <-results
			require.NoError(t, r.err)
			switch {
			case r.status == http.StatusCreated && !r.replayed:
				ran++
			case r.status == http.StatusCreated, r.status == http.StatusConflict:
			default:
				t.Fatalf("unexpected answer %d", r.status)
			}
		}
		require.Equal(t, 1, ran, "exactly one request ran")
		require.Equal(t, 1, e.countDatasets(t, org))
		require.Equal(t, 1, e.countIdemKeys(t, org))
	})
}

// A 4xx is kept only when the whole body was read: otherwise its fingerprint is unknown
// and the key is released.
func TestIdempotencyKeepsRefusalsOfWholeBodies(t *testing.T) {
	ragged := "a,b\n1,2\n3\n"
	cases := []struct {
		name string
		body string
		kept bool
	}{
		{"read to its end", ragged, true},
		{"refused early in a long body", ragged + strings.Repeat("1,2\n", 64<<10), false},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				org, key := e.org(t)
				for i := range 2 {
					res := e.do(t, http.MethodPost, "/v1/api/datasets?name=r", key, "text/csv", tc.body, keyHeader, "r")
					require.Contains(t, res.problem(t, http.StatusUnprocessableEntity), "row 2")
					replayed := res.Header.Get("Idempotent-Replayed") == "true"
					require.Equal(t, tc.kept && i == 1, replayed, "attempt %d", i+1)
				}
				want := 0
				if tc.kept {
					want = 1
				}
				require.Equal(t, want, e.countIdemKeys(t, org))
				require.Zero(t, e.countDatasets(t, org))
			})
		}
	})
}

// The unique index decides races between first requests on both databases.
func TestIdempotencyKeyIsUniquePerOrganization(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		orgA, _ := e.org(t)
		orgB, _ := e.org(t)
		insert := func(org string) error {
			return e.db.IdempotencyKey.Create().
				SetKey("same").SetMethod(http.MethodPost).SetPath("/v1/api/tasks").SetLockToken("t").
				SetLockedUntil(time.Now()).SetExpiresAt(time.Now().Add(time.Hour)).
				Exec(tenant.With(context.Background(), org))
		}
		require.NoError(t, insert(orgA))
		require.True(t, entapi.IsConstraintError(insert(orgA)), "a second insert of the key is a constraint error")
		require.NoError(t, insert(orgB), "another organization has its own keys")
	})
}
