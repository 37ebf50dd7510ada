package jobs

import (
	"encoding/json"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/telemetry"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// A run keeps the trace of the request that started it: the task row stores the
// traceparent, and a step dispatched again later (reconciler, retry, later admission)
// carries it in its job arguments.
func TestRedispatchKeepsTheRunsTrace(t *testing.T) {
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.client()
		c.disp.silent = true
		ds := e.dataset(t, testCSV(10), 5, true)
		tk, err := c.CreateTask(telemetry.WithTraceparent(sys(), tp), ds, nil)
		require.NoError(t, err)
		require.Equal(t, tp, tk.Traceparent)
		untraced, err := c.CreateTask(sys(), ds, nil)
		require.NoError(t, err)

		e.flushRedis(t) // the jobs are lost; the reconciler dispatches the rows again
		fetch, err := e.db.Step.Query().Where(step.TaskIDIn(tk.ID, untraced.ID), step.Kind(kindFetch)).All(sys())
		require.NoError(t, err)
		require.Len(t, fetch, 2)
		c.disp.dispatch(fetch...)

		want := map[string]string{}
		for _, s := range fetch {
			want[s.ID] = map[string]string{tk.ID: tp, untraced.ID: ""}[s.TaskID]
		}
		require.Equal(t, want, fetchJobTraces(t, e))
	})
}

// TestAdmittedLaterKeepsItsTrace: a task that waited for its organization's limit is
// admitted in the transaction that ends another run; its fetch job carries its own
// trace, taken from the row admission read.
func TestAdmittedLaterKeepsItsTrace(t *testing.T) {
	const first = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	const waited = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.client()
		c.disp.silent = true
		c.LimitOrgs(FixedOrgLimit(1))
		ds := e.dataset(t, testCSV(10), 5, true)
		a, err := c.CreateTask(telemetry.WithTraceparent(sys(), first), ds, nil)
		require.NoError(t, err)
		b, err := c.CreateTask(telemetry.WithTraceparent(sys(), waited), ds, nil)
		require.NoError(t, err)
		e.flushRedis(t)

		traces := map[string]string{a.ID: first}
		var next []*entapi.Step
		require.NoError(t, withTx(sys(), e.db, func(tx *entapi.Tx) error {
			if err := tx.Task.UpdateOneID(a.ID).SetStatus(task.StatusCompleted).Exec(sys()); err != nil {
				return err
			}
			next, err = admit(withTraces(sys(), traces), tx, FixedOrgLimit(1), a.OrgID)
			return err
		}))
		require.Len(t, next, 1)
		require.Equal(t, b.ID, next[0].TaskID)
		require.Equal(t, waited, traces[b.ID])
		c.disp.dispatchWith(traces, next...)
		require.Equal(t, map[string]string{next[0].ID: waited}, fetchJobTraces(t, e))
	})
}

// fetchJobTraces reads the queued fetch jobs: step id → the traceparent each carries.
func fetchJobTraces(t *testing.T, e *env) map[string]string {
	conn := e.rds.Pool.Get()
	defer conn.Close()
	raw, err := redis.ByteSlices(conn.Do("LRANGE", e.ns+":jobs:"+jobName(kindFetch), 0, -1))
	require.NoError(t, err)
	got := map[string]string{}
	for _, b := range raw {
		var j struct {
			Args map[string]any `json:"args"`
		}
		require.NoError(t, json.Unmarshal(b, &j))
		id, _ := j.Args["step_id"].(string)
		trace, _ := j.Args[telemetry.TraceparentArg].(string)
		got[id] = trace
	}
	return got
}
