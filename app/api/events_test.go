package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/ent/api/task"
)

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	id   int
	typ  string
	data events.Event
}

// readEvent reads the next event, skipping comments.
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
			ev.id, err = strconv.Atoi(strings.TrimPrefix(line, "id: "))
			require.NoError(t, err)
		case strings.HasPrefix(line, "event: "):
			ev.typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data))
		}
	}
}

// openEvents connects to a task's event stream on a real connection.
func openEvents(t *testing.T, addr, key, id string) (*http.Response, *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v1/api/tasks/"+id+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res, bufio.NewReader(res.Body)
}

func TestTaskEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		tk := e.createTask(t, key, ds, "[]")
		addr := e.listen(t)

		res, r := openEvents(t, addr, key, tk.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		require.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
		require.Equal(t, "no", res.Header.Get("X-Accel-Buffering"))

		first, ok := readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "progress", first.typ)
		require.Equal(t, tk.ID, first.data.TaskID)
		require.Equal(t, "pending", first.data.Status)

		ctx := context.Background()
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "progress", OrgID: org, TaskID: tk.ID, Status: "processing", Stage: "transform", Progress: 0.5}))
		second, ok := readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "progress", second.typ)
		require.Equal(t, 0.5, second.data.Progress)
		require.Greater(t, second.id, first.id)

		// Another task's events are not relayed.
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "failed", OrgID: org, TaskID: "other", Status: "failed"}))
		score := 88.0
		require.NoError(t, e.pub.Publish(ctx, events.Event{Type: "completed", OrgID: org, TaskID: tk.ID, Status: "completed", Progress: 1, Score: &score}))
		last, ok := readEvent(t, r)
		require.True(t, ok)
		require.Equal(t, "completed", last.typ)
		require.Equal(t, &score, last.data.Score)
		require.Greater(t, last.id, second.id)

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

	res := e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/events", key, "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	r := bufio.NewReader(strings.NewReader(string(res.body)))
	ev, ok := readEvent(t, r)
	require.True(t, ok)
	require.Equal(t, "failed", ev.typ)
	_, ok = readEvent(t, r)
	require.False(t, ok)
}
