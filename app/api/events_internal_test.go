package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/config"
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
		require.Contains(t, msgs[0], "event: progress")
		require.Contains(t, msgs[len(msgs)-1], "event: failed")
		require.Contains(t, msgs[len(msgs)-1], `"error":"boom"`)
	})
}
