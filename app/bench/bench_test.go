package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
)

// csv10 builds a deterministic rows×10 CSV with mixed types.
func csv10(rows int) []byte {
	var b bytes.Buffer
	b.Grow(rows * 80)
	b.WriteString("id,name,email,age,score,country,active,joined,amount,note\n")
	countries := []string{"DE", "FR", "NL", "ES", "IT"}
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d,user%d,user%d@example.com,%d,%d.%d,%s,%t,2024-%02d-%02d,%d.%02d,note %d\n",
			i, i%50000, i, 18+i%60, i%100, i%10, countries[i%5], i%3 == 0, 1+i%12, 1+i%28, i%10000, i%100, i%997)
	}
	return b.Bytes()
}

func backend() apptest.Backend {
	if os.Getenv("BENCH_BACKEND") == "postgres" {
		return apptest.Backends()[1]
	}
	return apptest.Backends()[0]
}

var withUploads = apptest.WithConfig(func(c *config.Config) {
	c.MaxUploadBytes = 1 << 30
	c.Workers = 2 * runtime.NumCPU()
})

// BenchmarkEndToEndRows: upload a 1M-row, 10-column CSV through the API and run the whole
// pipeline to a completed report. Reports rows/s of the pipeline (task created →
// completed), of upload + pipeline, and the process's peak RSS during the pipeline.
func BenchmarkEndToEndRows(b *testing.B) { endToEnd(b, 1_000_000) }

// BenchmarkEndToEndRows10M is BenchmarkEndToEndRows on 10M rows (an 870 MB file).
func BenchmarkEndToEndRows10M(b *testing.B) { endToEnd(b, 10_000_000) }

func endToEnd(b *testing.B, rows int) {
	env := apptest.New(b, backend(), withUploads)
	key := env.APIKey(b, env.Org(b))
	var pipeline, total time.Duration
	var peak uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		data := csv10(rows)
		b.SetBytes(int64(len(data)))
		b.StartTimer()
		start := time.Now()
		res := env.API(b, http.MethodPost, "/v1/api/datasets?name=bench", key, "text/csv", data)
		if res.StatusCode != http.StatusCreated {
			b.Fatalf("upload: %d %s", res.StatusCode, res.Body)
		}
		var ds struct{ ID string }
		res.JSON(b, &ds)
		// The upload is done: drop the file from this process before measuring the run.
		b.StopTimer()
		data, res = nil, apptest.Response{}
		uploaded := time.Since(start)
		mem := startPeakMemory()
		b.StartTimer()
		t0 := time.Now()
		res = env.API(b, http.MethodPost, "/v1/api/tasks", key, "", map[string]any{"dataset_id": ds.ID, "rules": []map[string]any{
			{"column": "age", "check": "range", "min": 18, "max": 70},
			{"column": "country", "check": "in", "values": []string{"DE", "FR", "NL"}},
		}})
		var task struct{ ID string }
		res.JSON(b, &task)
		done := env.WaitTask(b, key, task.ID, 30*time.Minute)
		if done["status"] != "completed" {
			b.Fatalf("task: %v", done)
		}
		pipeline += time.Since(t0)
		total += uploaded + time.Since(t0)
		peak = max(peak, mem())
	}
	b.ReportMetric(float64(rows*b.N)/pipeline.Seconds(), "rows/s")
	b.ReportMetric(float64(rows*b.N)/total.Seconds(), "rows/s-with-upload")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(runtime.NumCPU()), "cores")
}

// BenchmarkTaskLatency: POST /v1/api/tasks → completed for a 1k-row file, 50 runs,
// reporting p50 and p95 in milliseconds.
func BenchmarkTaskLatency(b *testing.B) {
	env := apptest.New(b, backend(), withUploads)
	key := env.APIKey(b, env.Org(b))
	res := env.API(b, http.MethodPost, "/v1/api/datasets?name=small", key, "text/csv", csv10(1000))
	var ds struct{ ID string }
	res.JSON(b, &ds)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var lat []time.Duration
		for run := 0; run < 50; run++ {
			t0 := time.Now()
			res := env.API(b, http.MethodPost, "/v1/api/tasks", key, "", map[string]any{"dataset_id": ds.ID})
			var task struct{ ID string }
			res.JSON(b, &task)
			done := env.WaitTask(b, key, task.ID, time.Minute)
			if done["status"] != "completed" {
				b.Fatalf("task: %v", done)
			}
			lat = append(lat, time.Since(t0))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkGetTask: requests per second of GET /v1/api/tasks/{id} from 32 concurrent clients.
func BenchmarkGetTask(b *testing.B) {
	env := apptest.New(b, backend(), withUploads)
	key := env.APIKey(b, env.Org(b))
	res := env.API(b, http.MethodPost, "/v1/api/datasets?name=small", key, "text/csv", csv10(100))
	var ds struct{ ID string }
	res.JSON(b, &ds)
	res = env.API(b, http.MethodPost, "/v1/api/tasks", key, "", map[string]any{"dataset_id": ds.ID})
	var task struct{ ID string }
	res.JSON(b, &task)
	env.WaitTask(b, key, task.ID, time.Minute)
	url := env.APIURL + "/v1/api/tasks/" + task.ID
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	const workers, perWorker = 32, 500
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var failed atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < perWorker; j++ {
					req, _ := http.NewRequest(http.MethodGet, url, nil)
					req.Header.Set("Authorization", "Bearer "+key)
					res, err := client.Do(req)
					if err != nil || res.StatusCode != http.StatusOK {
						failed.Add(1)
					}
					if res != nil {
						res.Body.Close()
					}
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%d requests failed", failed.Load())
		}
		b.ReportMetric(float64(workers*perWorker)/time.Since(t0).Seconds(), "req/s")
	}
}
