package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

// heldBlobs holds the fetch stage of the organizations it is told to: fetch checks the
// dataset's last byte with a two-byte OpenRange, which waits until release or until the
// stage's context ends.
type heldBlobs struct {
	platform.Blobs
	mu      sync.Mutex
	gates   map[string]chan struct{} // key prefix → closed on release
	entered atomic.Int64             // held reads started
	aborted atomic.Int64             // held reads ended by the stage's context
}

func (b *heldBlobs) hold(org string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gates == nil {
		b.gates = map[string]chan struct{}{}
	}
	b.gates["datasets/"+org+"/"] = make(chan struct{})
}

func (b *heldBlobs) release(org string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if g := b.gates["datasets/"+org+"/"]; g != nil {
		close(g)
		delete(b.gates, "datasets/"+org+"/")
	}
}

// releaseAll ends every hold, so a failed test does not leave stages waiting.
func (b *heldBlobs) releaseAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for p, g := range b.gates {
		close(g)
		delete(b.gates, p)
	}
}

func (b *heldBlobs) gate(key string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	for p, g := range b.gates {
		if strings.HasPrefix(key, p) {
			return g
		}
	}
	return nil
}

func (b *heldBlobs) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if g := b.gate(key); g != nil && length == 2 {
		b.entered.Add(1)
		select {
		case <-g:
		case <-ctx.Done():
			b.aborted.Add(1)
			return nil, ctx.Err()
		}
	}
	return b.Blobs.OpenRange(ctx, key, offset, length)
}

// controlEnv is an API env with a pool whose blob reads can be held, an organization
// limit of limit on both the API's client and the pool, and a fast reconciler.
func controlEnv(t *testing.T, url string, limit int) (*env, *heldBlobs) {
	t.Helper()
	e := newEnv(t, url)
	e.jobs.LimitOrgs(jobs.FixedOrgLimit(limit))
	blobs := &heldBlobs{Blobs: e.blobs}
	e.startControlPool(t, blobs, limit)
	return e, blobs
}

// startControlPool runs a pool over blobs; at cleanup every hold is released first.
func (e *env) startControlPool(t *testing.T, blobs *heldBlobs, limit int) *jobs.Pool {
	t.Helper()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(web.Close)
	pool := jobs.NewPool(jobs.Deps{
		DB: e.db, Redis: e.redis, Namespace: e.cfg.RedisNamespace, Blobs: blobs, Events: e.pub,
		WebURL: web.URL, WebhookSecret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0",
		Log: slog.New(slog.DiscardHandler), MaxRunning: jobs.FixedOrgLimit(limit),
	}, jobs.PoolOptions{
		Concurrency: 4, Reconcile: true, Lease: 3 * time.Second,
		ReconcileEvery: 100 * time.Millisecond, RedispatchAfter: 500 * time.Millisecond,
	})
	e.jobs.AttachPool(pool)
	pool.Start()
	t.Cleanup(pool.Stop)
	t.Cleanup(blobs.releaseAll) // runs first: Stop waits for the running stages
	return pool
}

// oneChunkCSV fits one chunk (ChunkRows 3), so a held task occupies one worker.
const oneChunkCSV = "id,name,age\n1,Ann,34\n2,Bob,41\n"

// taskRow reads a task as the workers see it.
func (e *env) taskRow(t *testing.T, id string) *entapi.Task {
	t.Helper()
	tk, err := e.db.Task.Get(tenant.System(context.Background()), id)
	require.NoError(t, err)
	return tk
}

// waitTaskStatus waits until the task has one of statuses and returns it.
func (e *env) waitTaskStatus(t *testing.T, id string, statuses ...task.Status) *entapi.Task {
	t.Helper()
	var tk *entapi.Task
	require.Eventually(t, func() bool {
		tk = e.taskRow(t, id)
		for _, s := range statuses {
			if tk.Status == s {
				return true
			}
		}
		return false
	}, 60*time.Second, 20*time.Millisecond, "task %s never reached %v", id, statuses)
	return tk
}

// stepKinds are the kinds of a task's steps with their status.
func (e *env) stepKinds(t *testing.T, id string) map[string]step.Status {
	t.Helper()
	rows, err := e.db.Step.Query().Where(step.TaskID(id)).All(tenant.System(context.Background()))
	require.NoError(t, err)
	out := map[string]step.Status{}
	for _, s := range rows {
		out[s.Kind] = s.Status
	}
	return out
}

// A run cancelled through the API while its fetch stage runs stops there: the stage is
// interrupted at its next lease check, nothing after fetch is created, no report.
func TestCancelMidRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e, blobs := controlEnv(t, url, 4)
		org, key := e.org(t)
		blobs.hold(org)
		ds := e.upload(t, key, "people.csv", oneChunkCSV)
		tk := e.createTask(t, key, ds, ageRule)
		require.Eventually(t, func() bool { return blobs.entered.Load() == 1 }, 30*time.Second, 10*time.Millisecond)
		require.Equal(t, task.StatusProcessing, e.taskRow(t, tk.ID).Status)

		var got taskJSON
		res := e.do(t, http.MethodPost, "/v1/api/tasks/"+tk.ID+"/cancel", key, "", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		res.json(t, &got)
		require.Equal(t, "cancelled", got.Status)

		// The held stage is interrupted, not released.
		require.Eventually(t, func() bool { return blobs.aborted.Load() == 1 }, 30*time.Second, 10*time.Millisecond)
		blobs.release(org)
		// A later task of another organization runs to the end: the pool and its
		// reconciler kept working meanwhile.
		_, keyB := e.org(t)
		other := e.createTask(t, keyB, e.upload(t, keyB, "b.csv", oneChunkCSV), ageRule)
		e.waitTaskStatus(t, other.ID, task.StatusCompleted)

		kinds := e.stepKinds(t, tk.ID)
		require.Equal(t, step.StatusCancelled, kinds["fetch"])
		delete(kinds, "fetch")
		delete(kinds, "notify")
		require.Empty(t, kinds, "no step after fetch")
		e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID, key, "", nil).json(t, &got)
		require.Equal(t, "cancelled", got.Status)
		require.Nil(t, got.Score)
		e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil).problem(t, http.StatusConflict)
		n, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Count(tenant.System(context.Background()))
		require.NoError(t, err)
		require.Zero(t, n, "no report row")
	})
}

// A run past its deadline fails with a clear error and its running stage stops.
func TestTaskDeadline(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e, blobs := controlEnv(t, url, 4)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", oneChunkCSV)

		for _, secs := range []string{"9", "0", "-1", "86401"} {
			body := `{"dataset_id":"` + ds + `","deadline_seconds":` + secs + `}`
			e.doMalformed(t, http.MethodPost, "/v1/api/tasks", key, "application/json", body).problem(t, http.StatusUnprocessableEntity)
		}
		require.Zero(t, e.countTasks(t, org))

		blobs.hold(org)
		start := time.Now()
		body := `{"dataset_id":"` + ds + `","rules":` + ageRule + `,"deadline_seconds":10}`
		res := e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", body)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		var tk taskJSON
		res.json(t, &tk)
		row := e.taskRow(t, tk.ID)
		require.WithinDuration(t, start.Add(10*time.Second), row.Deadline, 5*time.Second)

		got := e.waitTaskStatus(t, tk.ID, task.StatusFailed, task.StatusCompleted)
		require.Equal(t, task.StatusFailed, got.Status)
		require.Contains(t, got.Error, "deadline exceeded after")
		require.Eventually(t, func() bool { return blobs.aborted.Load() >= 1 }, 30*time.Second, 10*time.Millisecond)
		kinds := e.stepKinds(t, tk.ID)
		require.NotContains(t, kinds, "transform")
	})
}
