package api_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sourceServer serves files for URL datasets on 127.0.0.1.
func sourceServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/people.csv", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, "id;name;age\n1;Ann;34\n2;Bob;17\n3;Cid;29\n")
	})
	mux.HandleFunc("/people", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, ndjsonPeople)
	})
	mux.HandleFunc("/ragged.csv", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "a,b\n1,2\n3\n")
	})
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
	})
	mux.HandleFunc("/silent.csv", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/big.csv", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "a,b\n")
		for range 64 {
			io.WriteString(w, strings.Repeat("1,2\n", 8<<10))
			w.(http.Flusher).Flush()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

// createURLDataset posts a URL dataset and returns it.
func (e *env) createURLDataset(t *testing.T, key, sourceURL string) datasetJSON {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v1/api/datasets", key, "application/json",
		map[string]string{"name": "remote", "source_url": sourceURL})
	require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
	var d datasetJSON
	res.json(t, &d)
	return d
}

func TestURLDatasetCreate(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		d := e.createURLDataset(t, key, "https://data.example.com/exports/people.csv?v=2")
		require.Equal(t, datasetJSON{
			ID: d.ID, Name: "remote", Source: "url", SourceURL: strp("https://data.example.com/exports/people.csv?v=2"),
			Status: "fetching", Columns: []string{}, CreatedAt: d.CreatedAt,
		}, d)

		var got datasetJSON
		e.do(t, http.MethodGet, "/v1/api/datasets/"+d.ID, key, "", nil).json(t, &got)
		require.Equal(t, d, got)

		res := e.do(t, http.MethodPost, "/v1/api/datasets", key, "application/json", map[string]string{"source_url": "http://example.com/a/b/rows.jsonl"})
		require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
		res.json(t, &got)
		require.Equal(t, "rows.jsonl", got.Name, "named after the URL")
	})
}

func TestURLDatasetCreateRejects(t *testing.T) {
	cases := []struct{ name, body, detail string }{
		{"no url", `{"name":"x"}`, "source_url is required"},
		{"ftp", `{"source_url":"ftp://example.com/a.csv"}`, "must use http or https"},
		{"file", `{"source_url":"file:///etc/passwd"}`, "absolute http or https URL"},
		{"relative", `{"source_url":"/a.csv"}`, "absolute http or https URL"},
		{"credentials", `{"source_url":"https://me:secret@example.com/a.csv"}`, "user name or password"},
		{"loopback", `{"source_url":"http://127.0.0.1:8787/v1/health"}`, "private or reserved address"},
		{"private", `{"source_url":"http://10.0.0.7/a.csv"}`, "private or reserved address"},
		{"link-local", `{"source_url":"http://169.254.1.1/a.csv"}`, "private or reserved address"},
		{"metadata", `{"source_url":"http://169.254.169.254/latest/meta-data/"}`, "private or reserved address"},
		{"IPv6 loopback", `{"source_url":"http://[::1]/a.csv"}`, "private or reserved address"},
		{"IPv6 ULA", `{"source_url":"http://[fd12:3456::1]/a.csv"}`, "private or reserved address"},
		{"too long", `{"source_url":"https://example.com/` + strings.Repeat("a", 2048) + `"}`, "longer than 2048"},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.doMalformed(t, http.MethodPost, "/v1/api/datasets", key, "application/json", tc.body)
				require.Contains(t, res.problem(t, http.StatusUnprocessableEntity), tc.detail)
				require.Zero(t, e.countDatasets(t, org))
			})
		}
	})
}

// Without ALLOWED_PRIVATE_ADDRESSES a host name that resolves to loopback is refused when
// the fetch stage connects: the task fails, the dataset is marked failed, nothing is stored.
func TestURLDatasetPrivateHostFailsTask(t *testing.T) {
	srv := sourceServer(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		e.startPool(t)
		d := e.createURLDataset(t, key, fmt.Sprintf("http://localhost:%d/people.csv", port))
		tk := e.createTask(t, key, d.ID, "[]")
		got := e.waitTask(t, key, tk.ID)
		require.Equal(t, "failed", got.Status)
		require.Equal(t, "The fetch stage failed: the URL's host resolves to a private or reserved address, which is not allowed", got.Error)

		var ds datasetJSON
		e.do(t, http.MethodGet, "/v1/api/datasets/"+d.ID, key, "", nil).json(t, &ds)
		require.Equal(t, "failed", ds.Status)
		require.Contains(t, ds.Error, "private or reserved address")
		require.Empty(t, ds.Columns)
		require.Nil(t, ds.Format)
		require.Empty(t, e.getDataset(t, org, d.ID).Layout)
		require.Empty(t, e.blobFiles(t, org))
	})
}
