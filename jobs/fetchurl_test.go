package jobs

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/ent/api/task"
	enttenant "github.com/assayhq/assay/ent/api/tenant"
)

// startURLPool runs a pool whose fetcher may reach 127.0.0.1, with fast retries.
func (e *env) startURLPool(t *testing.T) {
	t.Helper()
	d := e.deps()
	d.Fetcher = ingest.NewFetcher(ingest.FetchOptions{
		Timeout: 5 * time.Second, AllowedPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	p := NewPool(d, testOptions())
	fast := backoff{Base: 20 * time.Millisecond, Cap: 100 * time.Millisecond}
	p.runner.backoffs = map[string]backoff{classRateLimit: fast, classTimeout: fast, classTransient: fast}
	p.Start()
	t.Cleanup(p.Stop)
}

// urlDataset records a dataset to fetch from url.
func (e *env) urlDataset(t *testing.T, url string) *entapi.Dataset {
	t.Helper()
	ds, err := e.db.Dataset.Create().SetOrgID(e.org).SetName("remote").
		SetSource(dataset.SourceURL).SetURL(url).SetStatus(dataset.StatusFetching).Save(sys())
	require.NoError(t, err)
	return ds
}

// A source that answers 503 is retried; the dataset is stored once it answers.
func TestFetchURLRetriesBusySource(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write(testCSV(10))
	}))
	t.Cleanup(srv.Close)
	eachBackend(t, func(t *testing.T, e *env) {
		calls.Store(0)
		e.startURLPool(t)
		ds := e.urlDataset(t, srv.URL+"/people.csv")
		tk, err := e.client().CreateTask(sys(), ds, testRules(t))
		require.NoError(t, err)
		got := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, got.Status, got.Error)
		require.EqualValues(t, 3, calls.Load())

		ds, err = e.db.Dataset.Get(sys(), ds.ID)
		require.NoError(t, err)
		require.Equal(t, dataset.StatusReady, ds.Status)
		require.Equal(t, "csv", ds.Format)
		require.Equal(t, ",", ds.Delimiter)
		require.EqualValues(t, 10, ds.Rows)
	})
}

// Two runs over one URL dataset may both download it; the first to finish stores it, and
// the other discards its copy and uses the stored one.
func TestFetchURLTwoRunsOneDataset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(testCSV(25))
	}))
	t.Cleanup(srv.Close)
	eachBackend(t, func(t *testing.T, e *env) {
		e.startURLPool(t)
		ds := e.urlDataset(t, srv.URL+"/people.csv")
		var ids []string
		for range 2 {
			tk, err := e.client().CreateTask(sys(), ds, nil)
			require.NoError(t, err)
			ids = append(ids, tk.ID)
		}
		for _, id := range ids {
			got := e.waitTask(t, id, 30*time.Second, task.StatusCompleted, task.StatusFailed)
			require.Equal(t, task.StatusCompleted, got.Status, got.Error)
		}
		ds, err := e.db.Dataset.Get(sys(), ds.ID)
		require.NoError(t, err)
		require.Equal(t, dataset.StatusReady, ds.Status)
		var stored []string
		for key := range e.blobs.putCounts() {
			if !strings.HasPrefix(key, "datasets/"+e.org+"/"+ds.ID+"/") {
				continue
			}
			rc, err := e.blobs.Open(sys(), key)
			if errors.Is(err, platform.ErrBlobNotFound) {
				continue
			}
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, rc)
			rc.Close()
			stored = append(stored, key)
		}
		require.Equal(t, []string{ds.BlobKey}, stored, "only the stored dataset's file remains")
	})
}

// A URL dataset is held to the organization's plan like an upload: over its dataset size
// or rows the task fails naming the limit and the dataset is marked failed; within them
// the stored file counts in the organization's storage.
func TestFetchURLPlanLimits(t *testing.T) {
	csv := testCSV(10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(csv)
	}))
	t.Cleanup(srv.Close)
	eachBackend(t, func(t *testing.T, e *env) {
		e.startURLPool(t)
		setPlan := func(maxBytes, maxRows int64) {
			t.Helper()
			err := e.db.Tenant.Create().SetID(e.org).SetPlan("free").SetMaxUploadBytes(maxBytes).SetMaxRows(maxRows).
				OnConflictColumns(enttenant.FieldID).UpdateMaxUploadBytes().UpdateMaxRows().Exec(sys())
			require.NoError(t, err)
		}
		cases := []struct {
			name              string
			maxBytes, maxRows int64
			want              string
		}{
			{"over the plan's dataset size", 64, 1000, "max_upload_bytes"},
			{"over the plan's rows", 1 << 20, 5, "the file has 10 rows; your plan allows at most 5 rows per dataset (max_rows)"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				setPlan(tc.maxBytes, tc.maxRows)
				ds := e.urlDataset(t, srv.URL+"/people.csv")
				tk, err := e.client().CreateTask(sys(), ds, nil)
				require.NoError(t, err)
				got := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
				require.Equal(t, task.StatusFailed, got.Status)
				require.Contains(t, got.Error, tc.want)
				require.Contains(t, got.Error, "upgrade the plan")
				ds, err = e.db.Dataset.Get(sys(), ds.ID)
				require.NoError(t, err)
				require.Equal(t, dataset.StatusFailed, ds.Status)
				require.Contains(t, ds.Error, tc.want)
				cur, err := usage.Current(sys(), e.db, e.org, time.Now())
				require.NoError(t, err)
				require.Zero(t, cur.StorageBytes, "a refused file is not counted")
			})
		}

		setPlan(1<<20, 1000)
		ds := e.urlDataset(t, srv.URL+"/people.csv")
		tk, err := e.client().CreateTask(sys(), ds, nil)
		require.NoError(t, err)
		got := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, got.Status, got.Error)
		cur, err := usage.Current(sys(), e.db, e.org, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, len(csv), cur.StorageBytes)
	})
}
