package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/tenant"
)

const keyHeader = "Idempotency-Key"

// countIdemKeys counts an organization's idempotency keys.
func (e *env) countIdemKeys(t *testing.T, org string) int {
	t.Helper()
	n, err := e.db.IdempotencyKey.Query().Count(tenant.With(context.Background(), org))
	require.NoError(t, err)
	return n
}

// idemRequest is one POST of an idempotency test: path, content type and a body builder
// (called for each send, so a multipart body gets a new boundary every time).
type idemRequest struct {
	path, ctype string
	body        func() string
}

func rawCSV(body string) func() string { return func() string { return body } }

func TestIdempotencyReplays(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		running := e.createTask(t, key, ds, "[]")

		cases := []struct {
			name           string
			req, other     idemRequest
			status         int
			datasets, jobs int // rows each request adds, the first time only
		}{
			{
				name:     "raw CSV upload",
				req:      idemRequest{"/v1/api/datasets?name=p", "text/csv", rawCSV(peopleCSV)},
				other:    idemRequest{"/v1/api/datasets?name=p", "text/csv", rawCSV(peopleCSV + "5,Eve,61\n")},
				status:   http.StatusCreated,
				datasets: 1,
			},
			{
				name:     "raw CSV upload, another name",
				req:      idemRequest{"/v1/api/datasets?name=a", "text/csv", rawCSV(peopleCSV)},
				other:    idemRequest{"/v1/api/datasets?name=b", "text/csv", rawCSV(peopleCSV)},
				status:   http.StatusCreated,
				datasets: 1,
			},
			{
				name:     "URL dataset",
				req:      idemRequest{"/v1/api/datasets", "application/json", rawCSV(`{"source_url":"https://example.com/a.csv"}`)},
				other:    idemRequest{"/v1/api/datasets", "application/json", rawCSV(`{"source_url":"https://example.com/b.csv"}`)},
				status:   http.StatusCreated,
				datasets: 1,
			},
			{
				name:   "task",
				req:    idemRequest{"/v1/api/tasks", "application/json", rawCSV(`{"dataset_id":"` + ds + `","rules":[]}`)},
				other:  idemRequest{"/v1/api/tasks", "application/json", rawCSV(`{"dataset_id":"` + ds + `","rules":` + ageRule + `}`)},
				status: http.StatusAccepted,
				jobs:   1,
			},
			{
				name:   "cancel",
				req:    idemRequest{"/v1/api/tasks/" + running.ID + "/cancel", "", rawCSV("")},
				other:  idemRequest{"/v1/api/tasks/" + ds + "/cancel", "", rawCSV("")},
				status: http.StatusAccepted,
			},
			{
				name:   "a final 4xx is kept too",
				req:    idemRequest{"/v1/api/tasks", "application/json", rawCSV(`{"dataset_id":"nope","rules":[]}`)},
				other:  idemRequest{"/v1/api/tasks", "application/json", rawCSV(`{"dataset_id":"nope2","rules":[]}`)},
				status: http.StatusNotFound,
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				k := "key-" + strings.ReplaceAll(tc.name, " ", "-")
				send := func(r idemRequest) response {
					var body any
					if b := r.body(); b != "" {
						body = b
					}
					return e.do(t, http.MethodPost, r.path, key, r.ctype, body, keyHeader, k)
				}
				datasets, tasks := e.countDatasets(t, org), e.countTasks(t, org)
				first := send(tc.req)
				require.Equal(t, tc.status, first.StatusCode, "body: %s", first.body)
				require.Empty(t, first.Header.Get("Idempotent-Replayed"))

				again := send(tc.req)
				require.Equal(t, tc.status, again.StatusCode, "body: %s", again.body)
				require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
				require.Equal(t, first.Header.Get("Content-Type"), again.Header.Get("Content-Type"))
				require.JSONEq(t, string(first.body), string(again.body))

				detail := send(tc.other).problem(t, http.StatusUnprocessableEntity)
				require.Equal(t, "Idempotency-Key reused with a different request", detail)

				require.Equal(t, datasets+tc.datasets, e.countDatasets(t, org), "datasets created")
				require.Equal(t, tasks+tc.jobs, e.countTasks(t, org), "tasks created")
			})
		}

		t.Run("multipart upload retried with a new boundary", func(t *testing.T) {
			datasets := e.countDatasets(t, org)
			ctype1, body1 := multipartBody(t, [2]string{"name", "mp"}, [2]string{"file", peopleCSV})
			ctype2, body2 := multipartBody(t, [2]string{"name", "mp"}, [2]string{"file", peopleCSV})
			require.NotEqual(t, ctype1, ctype2, "each body has its own boundary")
			first := e.do(t, http.MethodPost, "/v1/api/datasets", key, ctype1, body1, keyHeader, "mp")
			require.Equal(t, http.StatusCreated, first.StatusCode, "body: %s", first.body)
			again := e.do(t, http.MethodPost, "/v1/api/datasets", key, ctype2, body2, keyHeader, "mp")
			require.Equal(t, http.StatusCreated, again.StatusCode, "body: %s", again.body)
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.JSONEq(t, string(first.body), string(again.body))

			ctype3, body3 := multipartBody(t, [2]string{"name", "mp"}, [2]string{"file", peopleCSV + "5,Eve,61\n"})
			e.do(t, http.MethodPost, "/v1/api/datasets", key, ctype3, body3, keyHeader, "mp").
				problem(t, http.StatusUnprocessableEntity)
			require.Equal(t, datasets+1, e.countDatasets(t, org))
		})

		t.Run("the quoted form of a key is the same key", func(t *testing.T) {
			first := e.do(t, http.MethodPost, "/v1/api/datasets?name=q", key, "text/csv", peopleCSV, keyHeader, "quoted")
			require.Equal(t, http.StatusCreated, first.StatusCode)
			again := e.do(t, http.MethodPost, "/v1/api/datasets?name=q", key, "text/csv", peopleCSV, keyHeader, `"quoted"`)
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.JSONEq(t, string(first.body), string(again.body))
		})

		t.Run("without a key nothing is kept", func(t *testing.T) {
			keys, datasets := e.countIdemKeys(t, org), e.countDatasets(t, org)
			e.upload(t, key, "plain", peopleCSV)
			e.upload(t, key, "plain", peopleCSV)
			require.Equal(t, datasets+2, e.countDatasets(t, org))
			require.Equal(t, keys, e.countIdemKeys(t, org))
		})
	})
}

func TestIdempotencyKeysArePerOrganization(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		orgA, keyA := e.org(t)
		orgB, keyB := e.org(t)
		var ids []string
		for _, k := range []string{keyA, keyB} {
			res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", k, "text/csv", peopleCSV, keyHeader, "shared")
			require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
			require.Empty(t, res.Header.Get("Idempotent-Replayed"))
			var d datasetJSON
			res.json(t, &d)
			ids = append(ids, d.ID)
		}
		require.NotEqual(t, ids[0], ids[1])
		// A retry by B replays B's response, not A's.
		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", keyB, "text/csv", peopleCSV, keyHeader, "shared")
		require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))
		require.Contains(t, string(res.body), ids[1])
		require.Equal(t, 1, e.countDatasets(t, orgA))
		require.Equal(t, 1, e.countDatasets(t, orgB))
		require.Equal(t, 1, e.countIdemKeys(t, orgA))
		require.Equal(t, 1, e.countIdemKeys(t, orgB))
	})
}

func TestIdempotencyKeyHeaderRejects(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		for _, tc := range []struct{ name, key, detail string }{
			{"empty", "", "empty"},
			{"blank", "   ", "empty"},
			{"too long", strings.Repeat("k", 256), "longer than 255"},
			{"not ASCII", "ключ", "printable ASCII"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := e.doMalformed(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", peopleCSV, keyHeader, tc.key)
				require.Contains(t, res.problem(t, http.StatusBadRequest), tc.detail)
			})
		}
		require.Zero(t, e.countDatasets(t, org))
		require.Zero(t, e.countIdemKeys(t, org))

		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", peopleCSV, keyHeader, strings.Repeat("k", 255))
		require.Equal(t, http.StatusCreated, res.StatusCode, "a key of 255 characters is fine: %s", res.body)
	})
}

// A server error keeps nothing: the same key may be retried and then does the work.
func TestIdempotencyDoesNotKeepServerErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		blobs := &failingBlobs{DirBlobs: e.blobs}
		blobs.fail.Store(true)
		e.rebuild(t, func(d *api.Deps) { d.Blobs = blobs })
		org, key := e.org(t)

		e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", peopleCSV, keyHeader, "k5").
			problem(t, http.StatusInternalServerError)
		require.Zero(t, e.countIdemKeys(t, org), "a 5xx releases the key")
		require.Zero(t, e.countDatasets(t, org))

		blobs.fail.Store(false)
		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", peopleCSV, keyHeader, "k5")
		require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
		require.Empty(t, res.Header.Get("Idempotent-Replayed"))
		res = e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", peopleCSV, keyHeader, "k5")
		require.Equal(t, "true", res.Header.Get("Idempotent-Replayed"))
		require.Equal(t, 1, e.countDatasets(t, org))
	})
}

// failingBlobs is blob storage whose writes fail, after reading all they are given,
// while fail is set.
type failingBlobs struct {
	*platform.DirBlobs
	fail atomic.Bool
}

func (b *failingBlobs) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if b.fail.Load() {
		_, _ = io.Copy(io.Discard, r)
		return 0, errors.New("blobs: the disk is full")
	}
	return b.DirBlobs.Put(ctx, key, r)
}

// rebuild replaces the env's API with one built from the same stores, changed by edit.
func (e *env) rebuild(t *testing.T, edit func(*api.Deps)) {
	t.Helper()
	d := api.Deps{
		Config: e.cfg, DB: e.db, Blobs: e.blobs, Jobs: e.jobs, Hub: e.hub,
		Verifier: auth.NewVerifier(e.signer.Keys()), Redis: e.redis,
		Limiter: ratelimit.New(e.redis.Pool, e.cfg.RedisNamespace),
	}
	edit(&d)
	app := api.New(d).App()
	t.Cleanup(func() { _ = app.Shutdown() })
	e.app = app
}
