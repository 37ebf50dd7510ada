package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/ent/api/task"
)

// finalID is the id of every task's final event.
const finalID = 2147483647

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	id   int64
	typ  string
	data events.Event
}

// readEvent reads the next event, skipping comments and the retry hint. Its data must
// match the OpenAPI document's TaskEvent.
func readEvent(t *testing.T, r *bufio.Reader) (sseEvent, bool) {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, false
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.typ != "" {
				return ev, true
			}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			ev.id, err = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
			require.NoError(t, err)
		case strings.HasPrefix(line, "event: "):
			ev.typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := []byte(strings.TrimPrefix(line, "data: "))
			apptest.CheckSchema(t, "TaskEvent", data)
			require.NoError(t, json.Unmarshal(data, &ev.data))
		}
	}
}

// openEvents connects to a task's event stream (path may carry a query) on a real
// connection; hdr are header name/value pairs. Closing the body disconnects. The request
// and the response head must match the OpenAPI document.
func openEvents(t *testing.T, addr, key, path string, hdr ...string) (*http.Response, *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	check := apptest.CheckRequest(t, req, false)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode == http.StatusOK {
		check.Response(res, nil)
	} else {
		check.Response(res, readAll(t, res))
	}
	return res, bufio.NewReader(res.Body)
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return b
}

func eventsPath(id string) string { return "/v1/api/tasks/" + id + "/events" }

func TestTaskEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		tk := e.createTask(t, key, ds, "[]")
		addr := e.listen(t)

		res, r := openEvents(t, addr, key, eventsPath(tk.ID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		require.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
		require.Equal(t, "no", res.Header.Get("X-Accel-Buffering"))
		hint, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "retry: 2000\n", hint, "the stream opens with a reconnect hint")

		first, ok := readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "progress", first.typ)
		require.Equal(t, tk.ID, first.data.TaskID)
		require.Equal(t, "pending", first.data.Status)
		require.EqualValues(t, 1, first.id)

		ctx := context.Background()
		running := []events.Stage{{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}, {Name: "transform", Status: "running", Total: 1}}
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "progress", OrgID: org, TaskID: tk.ID, Status: "processing", Stage: "transform", Progress: 0.5, Stages: running}))
		second, ok := readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "progress", second.typ)
		require.Equal(t, 0.5, second.data.Progress)
		require.EqualValues(t, 5, second.id, "1 + fetch done and started (3) + transform started (1)")

		// Another task's events are not relayed; a repeat of the same progress is not sent.
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "failed", OrgID: org, TaskID: "other", Status: "failed"}))
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "progress", OrgID: org, TaskID: tk.ID, Status: "processing", Stage: "transform", Progress: 0.5, Stages: running}))
		score := 88.0
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "completed", OrgID: org, TaskID: tk.ID, Status: "completed", Progress: 1, Score: &score}))
		last, ok := readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "completed", last.typ)
		require.Equal(t, &score, last.data.Score)
		require.EqualValues(t, finalID, last.id)

		_, ok = readEvent(t, r)
		require.False(t, ok, "the stream ends after a terminal event")
	})
}

func TestTaskEventsOfFinishedTask(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	org, key := e.org(t)
	ds := e.upload(t, key, "people.csv", peopleCSV)
	tk := e.createTask(t, key, ds, "[]")
	e.setStatus(t, org, tk.ID, task.StatusFailed)

	res := e.do(t, http.MethodGet, eventsPath(tk.ID), key, "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	r := bufio.NewReader(strings.NewReader(string(res.body)))
	ev, ok := readEvent(t, r)
	require.True(t, ok)
	require.Equal(t, "failed", ev.typ)
	require.EqualValues(t, finalID, ev.id)
	_, ok = readEvent(t, r)
	require.False(t, ok)
}
