package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/jobs"
)

// pipeline plays the workers' part on a held pool: it changes the task's steps in SQL
// and publishes the stored state as the pipeline does.
type pipeline struct {
	e       *env
	ctx     context.Context
	org, id string
}

func (p pipeline) publish(t *testing.T) {
	t.Helper()
	tk, err := p.e.db.Task.Get(p.ctx, p.id)
	require.NoError(t, err)
	stages, err := jobs.StagesOf(p.ctx, p.e.db, p.id)
	require.NoError(t, err)
	typ := events.TypeProgress
	if tk.Status != task.StatusPending && tk.Status != task.StatusProcessing {
		typ = string(tk.Status)
	}
	require.NoError(t, p.e.pub.Publish(p.ctx, events.Event{
		Type: typ, OrgID: p.org, TaskID: p.id, Status: string(tk.Status), Stage: tk.Stage,
		Progress: tk.Progress, Stages: stages, Score: tk.Score,
	}))
}

// fetch moves the task's fetch step: claimed, then done with a layout of two chunks.
func (p pipeline) fetch(t *testing.T, done bool) {
	t.Helper()
	s, err := p.e.db.Step.Query().Only(p.ctx)
	require.NoError(t, err)
	u := s.Update().SetStatus(step.StatusRunning).SetAttempt(1)
	if done {
		u = u.SetStatus(step.StatusSucceeded).SetResult(json.RawMessage(`{"chunks":[{},{}]}`))
	}
	require.NoError(t, u.Exec(p.ctx))
	require.NoError(t, p.e.db.Task.UpdateOneID(p.id).SetStatus(task.StatusProcessing).Exec(p.ctx))
}

// A client that reconnects with the id it saw last misses nothing and gets nothing twice.
func TestTaskEventsResume(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		tk := e.createTask(t, key, e.upload(t, key, "people.csv", peopleCSV), "[]")
		addr := e.listen(t)
		p := pipeline{e: e, ctx: tenant.With(context.Background(), org), org: org, id: tk.ID}
		path := eventsPath(tk.ID)

		res, r := openEvents(t, addr, key, path)
		ev, ok := readEvent(t, r)
		require.True(t, ok)
		require.EqualValues(t, 1, ev.id, "pending")
		p.fetch(t, false)
		p.publish(t)
		ev, ok = readEvent(t, r)
		require.True(t, ok)
		require.EqualValues(t, 2, ev.id, "fetch started")
		require.Equal(t, "running", ev.data.Stages[0].Status)
		res.Body.Close()

		// Published while nobody listens: the reconnect must still bring it.
		p.fetch(t, true)
		p.publish(t)
		_, r = openEvents(t, addr, key, path, "Last-Event-ID", "2")
		ev, ok = readEvent(t, r)
		require.True(t, ok)
		require.EqualValues(t, 4, ev.id, "fetch done")
		require.Equal(t, events.Stage{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}, stage(ev, "fetch"))
		require.Equal(t, 2, stage(ev, "normalize").Total, "the chunks are known")
		// The same state again, as a second worker may publish it, is not sent twice.
		p.publish(t)
		e.setStatus(t, org, tk.ID, task.StatusCompleted)
		p.publish(t)
		ev, ok = readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "completed", ev.typ)
		require.EqualValues(t, finalID, ev.id)
		_, ok = readEvent(t, r)
		require.False(t, ok, "the stream ends after the final event")

		cases := []struct {
			name   string
			path   string
			hdr    []string
			status int
			final  bool
		}{
			{"final event not seen", path, []string{"Last-Event-ID", "4"}, http.StatusOK, true},
			{"final event not seen, query", path + "?last_event_id=2", nil, http.StatusOK, true},
			{"final event seen", path, []string{"Last-Event-ID", strconv.Itoa(finalID)}, http.StatusNoContent, false},
			{"final event seen, query", path + "?last_event_id=" + strconv.Itoa(finalID), nil, http.StatusNoContent, false},
			{"the header wins", path + "?last_event_id=2", []string{"Last-Event-ID", strconv.Itoa(finalID)}, http.StatusNoContent, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, r := openEvents(t, addr, key, tc.path, tc.hdr...)
				require.Equal(t, tc.status, res.StatusCode)
				ev, ok := readEvent(t, r)
				require.Equal(t, tc.final, ok)
				if tc.final {
					require.Equal(t, "completed", ev.typ)
					require.EqualValues(t, finalID, ev.id)
					_, ok = readEvent(t, r)
					require.False(t, ok)
				}
			})
		}
	})
}

func stage(ev sseEvent, name string) events.Stage {
	for _, s := range ev.data.Stages {
		if s.Name == name {
			return s
		}
	}
	return events.Stage{}
}

func TestTaskEventsRejectBadLastEventID(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	_, key := e.org(t)
	tk := e.createTask(t, key, e.upload(t, key, "people.csv", peopleCSV), "[]")
	for _, id := range []string{"abc", "-1", "1.5", "2147483648", "99999999999999999999"} {
		t.Run(id, func(t *testing.T) {
			res := e.doMalformed(t, http.MethodGet, eventsPath(tk.ID), key, "", nil, "Last-Event-ID", id)
			require.Contains(t, res.problem(t, http.StatusBadRequest), "Last-Event-ID")
			res = e.doMalformed(t, http.MethodGet, eventsPath(tk.ID)+"?last_event_id="+id, key, "", nil)
			require.Contains(t, res.problem(t, http.StatusBadRequest), "Last-Event-ID")
		})
	}
}

// On the real pipeline, a client that drops off before it starts and comes back with its
// last id gets the rest, in order, up to the final event.
func TestTaskEventsResumeOnThePipeline(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		tk := e.createTask(t, key, e.upload(t, key, "people.csv", peopleCSV), ageRule)
		addr := e.listen(t)

		res, r := openEvents(t, addr, key, eventsPath(tk.ID))
		first, ok := readEvent(t, r)
		require.True(t, ok)
		res.Body.Close()

		e.startPool(t) // held until now
		_, r = openEvents(t, addr, key, eventsPath(tk.ID), "Last-Event-ID", strconv.FormatInt(first.id, 10))
		last := first
		for {
			ev, ok := readEvent(t, r)
			if !ok {
				break
			}
			require.Greater(t, ev.id, last.id, "no event twice, none out of order")
			last = ev
		}
		require.Equal(t, "completed", last.typ)
		require.EqualValues(t, finalID, last.id)

		res, _ = openEvents(t, addr, key, eventsPath(tk.ID), "Last-Event-ID", strconv.FormatInt(last.id, 10))
		require.Equal(t, http.StatusNoContent, res.StatusCode)
	})
}
