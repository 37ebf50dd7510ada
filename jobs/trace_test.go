package jobs

import (
	"encoding/json"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/ent/api/step"
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
		want := map[string]string{}
		for _, s := range fetch {
			want[s.ID] = map[string]string{tk.ID: tp, untraced.ID: ""}[s.TaskID]
		}
		require.Equal(t, want, got)
	})
}
