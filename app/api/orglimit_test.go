package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

// orgTasks counts an organization's tasks by status, and those not yet admitted (no
// fetch step).
func (e *env) orgTasks(t *testing.T, org string) (by map[task.Status]int, waiting int) {
	t.Helper()
	ctx := tenant.System(context.Background())
	rows, err := e.db.Task.Query().Where(task.OrgID(org)).All(ctx)
	require.NoError(t, err)
	by = map[task.Status]int{}
	for _, tk := range rows {
		by[tk.Status]++
		n, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind("fetch")).Count(ctx)
		require.NoError(t, err)
		if n == 0 {
			waiting++
		}
	}
	return by, waiting
}

// One organization's burst occupies at most its limit of workers: another
// organization's task starts at once and completes while the burst mostly waits, in SQL;
// then the burst completes, oldest first.
func TestOrgLimitKeepsBurstsFair(t *testing.T) {
	const burst, limit = 24, 2
	eachBackend(t, func(t *testing.T, url string) {
		e, blobs := controlEnv(t, url, limit)
		orgA, keyA := e.org(t)
		_, keyB := e.org(t)
		blobs.hold(orgA)
		dsA := e.upload(t, keyA, "a.csv", oneChunkCSV)
		var ids []string
		for range burst {
			ids = append(ids, e.createTask(t, keyA, dsA, ageRule).ID)
		}
		// The oldest `limit` tasks run (held in fetch); the others wait, unadmitted.
		require.Eventually(t, func() bool { return blobs.entered.Load() == limit }, 30*time.Second, 10*time.Millisecond)
		for i, id := range ids {
			want := task.StatusPending
			if i < limit {
				want = task.StatusProcessing
			}
			require.Equal(t, want, e.taskRow(t, id).Status, "task %d", i)
		}

		tb := e.createTask(t, keyB, e.upload(t, keyB, "b.csv", oneChunkCSV), ageRule)
		e.waitTaskStatus(t, tb.ID, task.StatusCompleted)
		by, waiting := e.orgTasks(t, orgA)
		require.Equal(t, map[task.Status]int{task.StatusProcessing: limit, task.StatusPending: burst - limit}, by)
		require.Equal(t, burst-limit, waiting, "A's waiting tasks have no step yet")
		require.EqualValues(t, limit, blobs.entered.Load(), "no more of A's tasks started")

		// A waiting task may be cancelled; it never runs and frees nothing.
		var got taskJSON
		e.do(t, http.MethodPost, "/v1/api/tasks/"+ids[burst-1]+"/cancel", keyA, "", nil).json(t, &got)
		require.Equal(t, "cancelled", got.Status)

		blobs.release(orgA)
		for _, id := range ids[:burst-1] {
			e.waitTaskStatus(t, id, task.StatusCompleted)
		}
		require.NotContains(t, e.stepKinds(t, ids[burst-1]), "fetch")
		// Oldest first: each task was admitted (its fetch step created) no earlier than
		// the one created before it.
		var last time.Time
		for i, id := range ids[:burst-1] {
			f, err := e.db.Step.Query().Where(step.TaskID(id), step.Kind("fetch")).Only(tenant.System(context.Background()))
			require.NoError(t, err)
			require.False(t, f.CreatedAt.Before(last), "task %d admitted before an older one", i)
			last = f.CreatedAt
		}
	})
}

// The limit is state in SQL: tasks created while no worker runs are admitted up to the
// limit, and a pool started later (a restart) keeps to it.
func TestOrgLimitSurvivesRestart(t *testing.T) {
	const burst, limit = 6, 2
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.jobs.LimitOrgs(jobs.FixedOrgLimit(limit))
		orgA, keyA := e.org(t)
		dsA := e.upload(t, keyA, "a.csv", oneChunkCSV)
		var ids []string
		for range burst {
			ids = append(ids, e.createTask(t, keyA, dsA, ageRule).ID)
		}
		_, waiting := e.orgTasks(t, orgA)
		require.Equal(t, burst-limit, waiting)

		// A new API process and a new pool: nothing is remembered but the rows.
		e.rebuild(t, func(d *api.Deps) {
			d.Jobs = jobs.NewClient(e.db, e.redis, e.cfg.RedisNamespace, nil)
			d.Jobs.LimitOrgs(jobs.FixedOrgLimit(limit))
		})
		blobs := &heldBlobs{Blobs: e.blobs}
		blobs.hold(orgA)
		e.startControlPool(t, blobs, limit)
		require.Eventually(t, func() bool { return blobs.entered.Load() == limit }, 30*time.Second, 10*time.Millisecond)
		_, keyB := e.org(t)
		tb := e.createTask(t, keyB, e.upload(t, keyB, "b.csv", oneChunkCSV), ageRule)
		e.waitTaskStatus(t, tb.ID, task.StatusCompleted)
		by, waiting := e.orgTasks(t, orgA)
		require.Equal(t, map[task.Status]int{task.StatusProcessing: limit, task.StatusPending: burst - limit}, by)
		require.Equal(t, burst-limit, waiting)

		blobs.release(orgA)
		for _, id := range ids {
			e.waitTaskStatus(t, id, task.StatusCompleted)
		}
	})
}
