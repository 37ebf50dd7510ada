package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/gocraft/work"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
)

// The queue page shows a dead job; retrying it moves it back to its queue, deleting one
// removes it; both are audited. On miniredis and, when set, real Redis.
func TestAdminQueuesDeadJobRetry(t *testing.T) {
	for _, real := range []bool{false, true} {
		t.Run(map[bool]string{false: "miniredis", true: "redis"}[real], func(t *testing.T) {
			env := newSQLiteEnv(t)
			rds := env.useRedis(t, real)
			ns := env.srv.admin.ns
			st := env.staff(t)
			sc := env.login(t, st)

			// Two jobs die: a worker pool whose handler always fails, with no retries.
			enq := work.NewEnqueuer(ns, rds.Pool)
			for range 2 {
				_, err := enq.Enqueue("admin_test_job", work.Q{"id": "x"})
				require.NoError(t, err)
			}
			done := make(chan struct{}, 2)
			pool := work.NewWorkerPool(struct{}{}, 1, ns, rds.Pool)
			pool.JobWithOptions("admin_test_job", work.JobOptions{MaxFails: 1, SkipDead: false},
				func(*work.Job) error { done <- struct{}{}; return errTestJob })
			pool.Start()
			<-done
			<-done
			pool.Stop()
			cl := work.NewClient(ns, rds.Pool)
			dead, n, err := cl.DeadJobs(1)
			require.NoError(t, err)
			require.EqualValues(t, 2, n)

			doc := sc.get("/admin/queues").doc(t)
			require.Equal(t, 2, doc.Find("#admin-dead .dead-job").Length())
			require.Equal(t, 1, doc.Find("#dead-"+dead[0].ID+" .retry-dead").Length())

			res := sc.postForm("/admin/queues/dead/retry", url.Values{"job_id": {dead[0].ID}, "at": {strconv.FormatInt(dead[0].DiedAt, 10)}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			_, n, err = cl.DeadJobs(1)
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			qs, err := cl.Queues()
			require.NoError(t, err)
			require.Len(t, qs, 1)
			require.EqualValues(t, 1, qs[0].Count, "the job is back in its queue")
			doc = sc.get("/admin/queues").doc(t)
			require.Equal(t, 1, doc.Find("#admin-dead .dead-job").Length())
			require.Equal(t, "1", doc.Find("#admin-queues .queue-count").First().Text())
			require.Equal(t, 1, env.auditCount(t, audit.AdminJobRetried, st.UserID))

			res = sc.postForm("/admin/queues/delete", url.Values{"set": {"dead"}, "job_id": {dead[1].ID}, "at": {strconv.FormatInt(dead[1].DiedAt, 10)}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			_, n, err = cl.DeadJobs(1)
			require.NoError(t, err)
			require.Zero(t, n)
			require.Equal(t, 1, env.auditCount(t, audit.AdminJobDeleted, st.UserID))
			// A job that is not there any more: 404, nothing audited.
			res = sc.postForm("/admin/queues/dead/retry", url.Values{"job_id": {dead[1].ID}, "at": {strconv.FormatInt(dead[1].DiedAt, 10)}})
			require.Equal(t, http.StatusNotFound, res.StatusCode)
			require.Equal(t, 1, env.auditCount(t, audit.AdminJobRetried, st.UserID))
			_ = context.Background()
		})
	}
}

type testJobError struct{}

func (testJobError) Error() string { return "always fails" }

var errTestJob error = testJobError{}
