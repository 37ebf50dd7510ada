package bench

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/task"
)

// Burst shape: 1,000 tasks on 1k-row files from burstOrgs organizations, each within the
// default per-organization limit of running tasks (MAX_RUNNING_TASKS_PER_ORG = 4), so at
// most 40 run at once and the rest wait, pending.
const (
	burstTasks = 1000
	burstOrgs  = 10
)

// BenchmarkSmallTaskBurst: submit 1,000 tasks at once (16 clients posting in parallel)
// and report tasks completed per second, from the first POST to the last completion. The
// API rate limit is off for the benchmark: 100 requests per key per minute would pace the
// submissions instead.
func BenchmarkSmallTaskBurst(b *testing.B) {
	env := apptest.New(b, backend(), withUploads, apptest.WithConfig(func(c *config.Config) {
		c.RateLimitAPIPerMinute = 0
	}))
	type org struct{ key, dataset string }
	orgs := make([]org, burstOrgs)
	small := csv10(1000)
	for i := range orgs {
		key := env.APIKey(b, env.Org(b))
		res := env.API(b, http.MethodPost, "/v1/api/datasets?name=small", key, "text/csv", small)
		var ds struct{ ID string }
		res.JSON(b, &ds)
		orgs[i] = org{key, ds.ID}
	}
	ctx := tenant.System(context.Background())
	db := env.Stack.API.DB
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before, err := db.Task.Query().Where(task.StatusEQ(task.StatusCompleted)).Count(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		jobs := make(chan org)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for o := range jobs {
					req := apptest.NewRequest(b, http.MethodPost, env.APIURL+"/v1/api/tasks", o.key, "",
						map[string]any{"dataset_id": o.dataset})
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						continue
					}
					res.Body.Close()
					if res.StatusCode != http.StatusAccepted {
						b.Errorf("create task: %d", res.StatusCode)
					}
				}
			})
		}
		for n := range burstTasks {
			jobs <- orgs[n%burstOrgs]
		}
		close(jobs)
		wg.Wait()
		submitted := time.Since(t0)
		for {
			n, err := db.Task.Query().Where(task.StatusEQ(task.StatusCompleted)).Count(ctx)
			if err != nil {
				b.Fatal(err)
			}
			failed, err := db.Task.Query().Where(task.StatusEQ(task.StatusFailed)).Count(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if failed > 0 {
				b.Fatalf("%d tasks failed", failed)
			}
			if n-before >= burstTasks {
				break
			}
			if time.Since(t0) > 20*time.Minute {
				b.Fatalf("%d of %d tasks completed after 20 minutes", n-before, burstTasks)
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed := time.Since(t0)
		b.ReportMetric(burstTasks/elapsed.Seconds(), "tasks/s")
		b.ReportMetric(burstTasks/submitted.Seconds(), "submitted/s")
	}
}
