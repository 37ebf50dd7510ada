package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// Task creations and the ends of an organization's runs take the same locks (its
// admission lock, its usage counter, the audit chain's head) in one order, so side by
// side they wait for one another but never deadlock. On Postgres a deadlock fails one
// of the two: a creation answers 500, or a run's save is retried.
func TestCreationsBesideEndingRunsDoNotDeadlock(t *testing.T) {
	const creators, each, limit = 6, 5, 2
	eachBackend(t, func(t *testing.T, url string) {
		e, _ := controlEnv(t, url, limit)
		_, key := e.org(t)
		ds := e.upload(t, key, "a.csv", oneChunkCSV)
		body := `{"dataset_id":"` + ds + `","rules":` + ageRule + `}`
		type created struct {
			code int
			id   string
		}
		out := make(chan created, creators*each)
		var wg sync.WaitGroup
		for range creators {
			wg.Go(func() {
				for range each {
					req := apptest.NewRequest(t, http.MethodPost, "http://api.test/v1/api/tasks", key, "application/json", body)
					res, err := e.app.Test(req, fiber.TestConfig{Timeout: 30 * time.Second, FailOnTimeout: true})
					if err != nil {
						t.Error(err)
						return
					}
					var tk taskJSON
					err = json.NewDecoder(res.Body).Decode(&tk)
					_ = res.Body.Close()
					if err != nil {
						t.Error(err)
					}
					out <- created{res.StatusCode, tk.ID}
				}
			})
		}
		wg.Wait()
		close(out)
		ctx := tenant.System(context.Background())
		n := 0
		for c := range out {
			n++
			require.Equal(t, http.StatusAccepted, c.code)
			tk := e.waitTaskStatus(t, c.id, task.StatusCompleted, task.StatusFailed)
			require.Equal(t, task.StatusCompleted, tk.Status, tk.Error)
			steps, err := e.db.Step.Query().Where(step.TaskID(c.id)).All(ctx)
			require.NoError(t, err)
			for _, s := range steps {
				require.Equal(t, 1, s.Attempt, "%s ran more than once: its first commit failed", s.Kind)
			}
		}
		require.Equal(t, creators*each, n)
	})
}
