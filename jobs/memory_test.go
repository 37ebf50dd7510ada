package jobs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/task"
)

// workerMemoryLimit is the most memory a worker may hold while it runs a task.
const workerMemoryLimit = 200 << 20

// TestWorkerMemoryBounded runs whole tasks on a smaller and a three times larger file
// (memRowsSmall and memRowsLarge, which depend on the race detector) through the pool and
// samples the memory the Go runtime holds while each runs: it stays under 200 MB and does
// not grow with the row count. The larger file has three times the chunks: partials, hash
// runs and sketches that were kept per row or per chunk would show.
func TestWorkerMemoryBounded(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.ChunkRows = memChunkRows
		// A chunk under the race detector outlasts testOptions' lease, and queued chunk
		// steps wait for a worker longer than its re-dispatch delay.
		opts.Lease, opts.RedispatchAfter = DefaultLease, DefaultRedispatchAfter
		e.startPool(t, opts)
		rules, err := report.ParseRulesForm("id unique\nage range 18 70\ncountry in DE,FR,NL\nemail not_null")
		require.NoError(t, err)

		small := e.measureTask(t, memRowsSmall, rules)
		large := e.measureTask(t, memRowsLarge, rules)
		t.Logf("peak Go memory: %d rows %.1f MB, %d rows %.1f MB", memRowsSmall, mb(small), memRowsLarge, mb(large))
		require.Less(t, small, uint64(workerMemoryLimit))
		require.Less(t, large, uint64(workerMemoryLimit))
		// Three times the rows may cost a little more (more steps in flight, a row bitmap of
		// an eighth of a byte per row), not three times as much.
		require.LessOrEqual(t, large, small*5/4+4<<20, "memory grew with the row count")
	})
}

// measureTask stores a rows-row CSV, runs a task on it to completion and returns the
// peak memory held by the Go runtime meanwhile.
func (e *env) measureTask(t *testing.T, rows int, rules []report.Rule) uint64 {
	ctx := sys()
	path, size := writeMemCSV(t, rows)
	f, err := os.Open(path) // #nosec G304 -- a file this test wrote
	require.NoError(t, err)
	key := "datasets/" + platform.NewID() + ".csv"
	_, err = e.blobs.Put(ctx, key, bufio.NewReader(f))
	require.NoError(t, f.Close())
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	ds, err := e.db.Dataset.Create().SetOrgID(e.org).SetName("big.csv").SetBlobKey(key).
		SetSizeBytes(size).SetRows(int64(rows)).
		SetColumns([]string{"id", "name", "email", "age", "score", "country", "active", "joined", "amount", "note"}).
		Save(ctx)
	require.NoError(t, err)

	runtime.GC()
	peak := sampleMemory()
	tk, err := e.client().CreateTask(ctx, ds, rules)
	require.NoError(t, err)
	done := e.waitTask(t, tk.ID, 15*time.Minute, task.StatusCompleted, task.StatusFailed)
	got := peak()
	require.Equal(t, task.StatusCompleted, done.Status, done.Error)
	e.requireBigReport(t, tk, rows)
	return got
}

// requireBigReport checks the figures that the hash runs and summaries decide.
func (e *env) requireBigReport(t *testing.T, tk *entapi.Task, rows int) {
	row, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Only(sys())
	require.NoError(t, err)
	var rep report.Report
	require.NoError(t, json.Unmarshal(row.Body, &rep))
	require.EqualValues(t, rows, rep.Rows)
	require.EqualValues(t, rows/100, rep.DuplicateRows)
	require.EqualValues(t, rows/100, rep.Rules[0].FailedRows, "id unique")
	require.Equal(t, []int64{100, 200, 300, 400, 500}, rep.Rules[0].Examples)
	id := rep.Columns[0]
	require.True(t, id.DistinctApprox)
	require.Contains(t, id.Approximate, "distinct")
	country := rep.Columns[5]
	require.False(t, country.TopApprox)
	require.Len(t, country.Top, 5)
}

// sampleMemory starts sampling every 2 ms; the returned function stops and returns the
// peak of the memory the Go runtime holds (all mapped memory less what it returned to the
// OS: heap, stacks, GC and runtime metadata).
func sampleMemory() func() uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak atomic.Uint64
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value.Uint64() - samples[1].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(stop)
		wg.Wait()
		read()
		return peak.Load()
	}
}

// writeMemCSV writes a rows×10 CSV of mixed types to a temporary file, streaming, so
// the test itself holds no copy of it.
func writeMemCSV(t *testing.T, rows int) (string, int64) {
	path := filepath.Join(t.TempDir(), fmt.Sprintf("rows-%d.csv", rows))
	f, err := os.Create(path) // #nosec G304 -- a temporary file of this test
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 64<<10)
	fmt.Fprintln(w, "id,name,email,age,score,country,active,joined,amount,note")
	countries := []string{"DE", "FR", "NL", "ES", "IT"}
	for i := 1; i <= rows; i++ {
		id := i
		if i%100 == 0 {
			id = i - 1 // a repeated row: a duplicate and a unique-rule failure
		}
		fmt.Fprintf(w, "%d,user%d,user%d@example.com,%d,%d.%d,%s,%t,2024-%02d-%02d,%d.%02d,note %d\n",
			id, id%50000, id, 18+id%60, id%100, id%10, countries[id%5], id%3 == 0, 1+id%12, 1+id%28, id%10000, id%100, id%997)
	}
	require.NoError(t, w.Flush())
	st, err := f.Stat()
	require.NoError(t, err)
	require.NoError(t, f.Close())
	return path, st.Size()
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
