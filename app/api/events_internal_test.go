package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/task"
)

// Live events are at most once: when a task's final event never reaches the stream, the
// stream still ends, with the final state read back at a heartbeat.
func TestTaskEventsEndWhenTheFinalEventIsLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db, err := store.OpenAPI(ctx, config.Config{Env: config.EnvTest, APIDatabaseURL: dbURL})
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		org := platform.NewID()
		key, err := apikeys.Issue(ctx, db, apikeys.Org{ID: org, Name: "org"}, "test")
		require.NoError(t, err)
		octx := tenant.With(ctx, org)
		tk, err := db.Task.Create().SetDatasetID(platform.NewID()).SetDeadline(time.Now().Add(time.Hour)).Save(octx)
		require.NoError(t, err)

		// No hub: not one live event arrives, as when the final one was dropped.
		s := New(Deps{DB: db})
		s.events.heartbeat = 50 * time.Millisecond
		app := fiber.New(fiber.Config{ErrorHandler: s.handleError})
		s.routes(app)

		go func() {
			time.Sleep(200 * time.Millisecond)
			_ = db.Task.UpdateOneID(tk.ID).SetStatus(task.StatusFailed).SetError("boom").Exec(octx)
		}()
		req := httptest.NewRequest(http.MethodGet, "/v1/api/tasks/"+tk.ID+"/events", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := app.Test(req, fiber.TestConfig{Timeout: 5 * time.Second, FailOnTimeout: true})
		require.NoError(t, err, "the stream ends")
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		msgs := strings.Split(strings.TrimSpace(string(body)), "\n\n")
		require.Equal(t, "retry: 2000", msgs[0])
		require.Contains(t, msgs[1], "event: progress")
		require.Contains(t, msgs[len(msgs)-1], "event: failed")
		require.Contains(t, msgs[len(msgs)-1], `"error":"boom"`)
	})
}

// An event id is a whole number from 0 to finalEventID, given back as sent; anything
// else is a 400 and never an id.
func FuzzParseEventID(f *testing.F) {
	for _, seed := range []string{"", "0", "1", "42", "2147483647", "2147483648", "-1", "+3", "007", "1.5", "abc", " 1", "9999999999999999999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := parseEventID(raw)
		if err != nil {
			require.Zero(t, n)
			require.Equal(t, http.StatusBadRequest, apperr.From(err).Status)
			return
		}
		require.GreaterOrEqual(t, n, int64(0))
		require.LessOrEqual(t, n, int64(finalEventID))
		if raw != "" {
			back, perr := strconv.ParseInt(raw, 10, 64)
			require.NoError(t, perr)
			require.Equal(t, back, n)
		}
	})
}

func TestEventIDGrowsWithProgress(t *testing.T) {
	pending := []events.Stage{{Name: "fetch", Status: "pending", Total: 1}, {Name: "normalize", Status: "pending"}}
	started := []events.Stage{{Name: "fetch", Status: "running", Total: 1}, {Name: "normalize", Status: "pending"}}
	fetched := []events.Stage{{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}, {Name: "normalize", Status: "pending", Total: 2}}
	chunk := []events.Stage{{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}, {Name: "normalize", Status: "running", Done: 1, Total: 2}}
	cases := []struct {
		name string
		e    events.Event
		want int64
	}{
		{"nothing started", events.Event{Type: events.TypeProgress, Stages: pending}, 1},
		{"no stages", events.Event{Type: events.TypeProgress}, 1},
		{"fetch started", events.Event{Type: events.TypeProgress, Stages: started}, 2},
		{"fetch done", events.Event{Type: events.TypeProgress, Stages: fetched}, 4},
		{"a chunk done", events.Event{Type: events.TypeProgress, Stages: chunk}, 7},
		{"completed", events.Event{Type: events.TypeCompleted, Stages: chunk}, finalEventID},
		{"failed early", events.Event{Type: events.TypeFailed, Stages: pending}, finalEventID},
		{"cancelled", events.Event{Type: events.TypeCancelled}, finalEventID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, eventID(tc.e))
		})
	}
}
