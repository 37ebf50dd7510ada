// Package lifecycle tests the product across process boundaries: workers killed with
// SIGKILL or stopped with SIGTERM, Redis losing its data, jobs delivered twice. The real
// assay binary runs as child processes against the test's databases and Redis; the API
// and web app run in the test process without workers of their own.
package lifecycle

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/apptest/proc"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/outbox"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/web/receivedwebhook"
)

// bin is the assay binary built by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "assay-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = proc.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// jobEnv are short pipeline timings so a killed worker's steps run again within seconds.
var jobEnv = []string{"JOB_LEASE=2s", "JOB_RECONCILE_EVERY=200ms", "JOB_REDISPATCH_AFTER=1s", "SHUTDOWN_TIMEOUT=20s"}

// chunkRows is small so a run has many steps and is mid-stage for a while.
const chunkRows = 1000

// harness is the product without workers: API and web app in this process over a
// Redis and databases child processes can reach (SQLite files in WAL mode, a miniredis
// listening on TCP, or Postgres and a real Redis).
type harness struct {
	env  *apptest.Env
	mini *miniredis.Miniredis // nil on a real Redis
	key  string               // an API key of a fresh organization
}

// eachBackend runs f on SQLite+miniredis and on Postgres+Redis.
func eachBackend(t *testing.T, f func(t *testing.T, h *harness)) {
	for _, b := range apptest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := &harness{}
			if b.RedisURL == "" {
				if b.Name == "postgres+redis" {
					storetest.SkipOrFail(t, "postgres+redis: TEST_REDIS_URL is not set")
				}
				h.mini = miniredis.RunT(t)
				t.Cleanup(platform.ExpireKeys(h.mini, 100*time.Millisecond)) // a killed worker's locks lapse
				b.RedisURL = "redis://" + h.mini.Addr()
			}
			h.env = apptest.New(t, b, apptest.HoldWorkers(), apptest.WithConfig(func(c *config.Config) {
				c.ChunkRows = chunkRows
			}))
			h.key = h.env.APIKey(t, h.env.Org(t))
			f(t, h)
		})
	}
}

// worker starts `assay worker` as a child process.
func (h *harness) worker(t *testing.T, name string, extra ...string) *proc.Process {
	env := proc.WorkerEnv(h.env.Config, append(append([]string{}, jobEnv...), extra...)...)
	return proc.Start(t, name, bin, env, "worker")
}

// flushRedis loses every job: FLUSHALL on miniredis; on a real Redis shared with other
// tests, the keys of this test's namespace (all this product can lose).
func (h *harness) flushRedis(t *testing.T) {
	if h.mini != nil {
		h.mini.FlushAll()
		return
	}
	apptest.DropNamespace(h.env.Stack.Base.Redis.Pool, h.env.Config.RedisNamespace)
}

// csvRows is a dataset of n rows.
func csvRows(n int) []byte {
	var b strings.Builder
	b.WriteString("id,name,email,age,country\n")
	countries := []string{"DE", "FR", "NL", "", "ES"}
	for i := range n {
		fmt.Fprintf(&b, "%d,Person %d,p%d@example.com,%d,%s\n", i, i, i%997, 18+i%70, countries[i%len(countries)])
	}
	return []byte(b.String())
}

// submit uploads csv and starts a task on it through the API; it returns the task id.
func (h *harness) submit(t *testing.T, csv []byte) string {
	t.Helper()
	res := h.env.API(t, http.MethodPost, "/v1/api/datasets?name=people", h.key, "text/csv", csv)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.Body)
	var ds struct {
		ID string `json:"id"`
	}
	res.JSON(t, &ds)
	body := map[string]any{"dataset_id": ds.ID, "rules": []map[string]any{
		{"column": "age", "check": "range", "min": 18, "max": 65},
		{"column": "id", "check": "unique"},
	}}
	res = h.env.API(t, http.MethodPost, "/v1/api/tasks", h.key, "", body)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.Body)
	var tk struct {
		ID string `json:"id"`
	}
	res.JSON(t, &tk)
	require.NotEmpty(t, tk.ID)
	return tk.ID
}

func sys() context.Context { return tenant.System(context.Background()) }

func (h *harness) db() *entapi.Client { return h.env.Stack.API.DB }

// steps are the task's step rows.
func (h *harness) steps(t *testing.T, taskID string) []*entapi.Step {
	t.Helper()
	rows, err := h.db().Step.Query().Where(step.TaskID(taskID)).All(sys())
	require.NoError(t, err)
	return rows
}

// reportUnfinished logs, if the test fails, the task's steps that did not succeed.
func (h *harness) reportUnfinished(t *testing.T, taskID string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, s := range h.steps(t, taskID) {
			if s.Status != step.StatusSucceeded {
				t.Logf("unfinished: %s %d %s attempt %d owner %q lease until %v error %q",
					s.Kind, s.Chunk, s.Status, s.Attempt, s.LeaseOwner, s.LeaseUntil, s.Error)
			}
		}
	})
}

// count is how many of the task's steps match.
func (h *harness) count(t *testing.T, taskID string, match func(*entapi.Step) bool) int {
	n := 0
	for _, s := range h.steps(t, taskID) {
		if match(s) {
			n++
		}
	}
	return n
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// completedOnce checks that the run completed with exactly one of every effect: one
// report row, one outbox message delivered once and recorded once by the web app, one
// step per (parent, kind, chunk), all succeeded, the parent's counter at zero.
func (h *harness) completedOnce(t *testing.T, taskID string, rows int) {
	t.Helper()
	done := h.env.WaitTask(t, h.key, taskID, 3*time.Minute)
	require.Equal(t, "completed", done["status"], "%v", done)

	n, err := h.db().Report.Query().Where(entreport.TaskID(taskID)).Count(sys())
	require.NoError(t, err)
	require.Equal(t, 1, n, "one report row")

	var msg *entapi.Outbox
	eventually(t, 30*time.Second, "the webhook sent", func() bool {
		msgs, err := h.db().Outbox.Query().Where(outbox.TaskID(taskID)).All(sys())
		require.NoError(t, err)
		require.Len(t, msgs, 1, "one outbox message")
		msg = msgs[0]
		return msg.SentAt != nil
	})
	require.Equal(t, 1, msg.Attempts, "delivered once")
	got, err := h.env.Stack.Web.DB.ReceivedWebhook.Query().Where(receivedwebhook.ID(msg.ID)).Count(sys())
	require.NoError(t, err)
	require.Equal(t, 1, got, "the web app recorded the webhook")

	// The notify step records its own end just after the webhook is marked sent.
	eventually(t, 30*time.Second, "every step finished", func() bool {
		for _, s := range h.steps(t, taskID) {
			if s.Status != step.StatusSucceeded {
				return false
			}
		}
		return true
	})
	chunks := (rows + chunkRows - 1) / chunkRows
	seen := map[string]int{}
	perKind := map[string]int{}
	for _, s := range h.steps(t, taskID) {
		parent := ""
		if s.ParentID != nil {
			parent = *s.ParentID
		}
		seen[fmt.Sprintf("%s/%s/%d", parent, s.Kind, s.Chunk)]++
		perKind[s.Kind]++
		require.Equal(t, step.StatusSucceeded, s.Status, "%s %d", s.Kind, s.Chunk)
		require.Zero(t, s.PendingChildren, "%s", s.Kind)
	}
	for k, n := range seen {
		require.Equal(t, 1, n, "duplicate step %s", k)
	}
	require.Equal(t, map[string]int{"fetch": 1, "transform": 1, "normalize": chunks, "enrich": chunks,
		"validate": chunks, "aggregate": 1, "save": 1, "notify": 1}, perKind)
}
