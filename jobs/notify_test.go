package jobs

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/api/outbox"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

func TestWebhookDelivery(t *testing.T) {
	cases := []struct {
		name     string
		status   func(call int) int
		sent     bool
		attempts int
		step     step.Status
	}{
		{"accepted at once", func(int) int { return http.StatusOK }, true, 1, step.StatusSucceeded},
		{"server error, then accepted", firstThen(http.StatusBadGateway, http.StatusNoContent), true, 2, step.StatusSucceeded},
		{"rate limited, then accepted", firstThen(http.StatusTooManyRequests, http.StatusNoContent), true, 2, step.StatusSucceeded},
		{"timeout answer, then accepted", firstThen(http.StatusRequestTimeout, http.StatusNoContent), true, 2, step.StatusSucceeded},
		{"client error is permanent", func(int) int { return http.StatusBadRequest }, false, 1, step.StatusFailed},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		e.startPool(t, testOptions())
		ds := e.dataset(t, testCSV(8), 100, true)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.web.setStatus(tc.status)
				tk, err := e.client().CreateTask(sys(), ds, nil)
				require.NoError(t, err)
				done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
				require.Equal(t, task.StatusCompleted, done.Status)

				var notify int
				eventually(t, 15*time.Second, "notify finished", func() bool {
					s, err := e.db.Step.Query().Where(step.TaskID(tk.ID), step.Kind(kindNotify)).Only(sys())
					require.NoError(t, err)
					notify = s.Attempt
					return s.Status == tc.step
				})
				require.Equal(t, tc.attempts, notify)
				ob, err := e.db.Outbox.Query().Where(outbox.TaskID(tk.ID)).Only(sys())
				require.NoError(t, err)
				require.Equal(t, tc.attempts, ob.Attempts)
				require.Equal(t, tc.sent, ob.SentAt != nil)
				if !tc.sent {
					require.Contains(t, ob.LastError, "400")
					after, err := e.db.Task.Get(sys(), tk.ID)
					require.NoError(t, err)
					require.Equal(t, task.StatusCompleted, after.Status, "a lost webhook does not undo the run")
					return
				}
				got, bad := e.web.received()
				require.Empty(t, bad)
				require.Equal(t, ob.ID, got[len(got)-1].ID)
				require.Equal(t, tk.ID, got[len(got)-1].Body.Data.ID)
			})
		}
	})
}

// firstThen answers first to the first call and then to every later one.
func firstThen(first, then int) func(int) int {
	return func(call int) int {
		if call == 0 {
			return first
		}
		return then
	}
}
