package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// sourceServer serves the test routes on 127.0.0.1.
func sourceServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/people.csv", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "id;name\n1;Ann\n")
	})
	mux.HandleFunc("/rows", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"id":1}`+"\n")
	})
	mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/busy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a\n1\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "4096")
		w.Write(make([]byte, 4096))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, _ *http.Request) {
		for range 4 {
			io.WriteString(w, strings.Repeat("x\n", 512))
			w.(http.Flusher).Flush()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func TestFetcherGet(t *testing.T) {
	srv := sourceServer(t)
	f := NewFetcher(FetchOptions{AllowedPrivate: loopback, Timeout: 5 * time.Second})
	tests := []struct {
		path   string
		format Format
		body   string
	}{
		{"/people.csv", CSV, "id;name\n1;Ann\n"},
		{"/rows", NDJSON, `{"id":1}` + "\n"},
		{"/to?u=/people.csv", CSV, "id;name\n1;Ann\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			dl, err := f.Get(context.Background(), srv.URL+tt.path, 1<<20)
			require.NoError(t, err)
			defer dl.Close()
			require.Equal(t, tt.format, dl.Format())
			b, err := io.ReadAll(dl.Body)
			require.NoError(t, err)
			require.Equal(t, tt.body, string(b))
		})
	}
}

func TestFetcherRefuses(t *testing.T) {
	srv := sourceServer(t)
	port := srv.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	allowed := NewFetcher(FetchOptions{AllowedPrivate: loopback, Timeout: 300 * time.Millisecond, MaxRedirects: 3})
	public := NewFetcher(FetchOptions{Timeout: 5 * time.Second})
	tests := []struct {
		name  string
		f     *Fetcher
		url   string
		want  string
		retry bool
	}{
		{"loopback by name", public, fmt.Sprintf("http://localhost:%d/people.csv", port), "resolves to a private or reserved address", false},
		{"loopback not allowed", public, srv.URL + "/people.csv", "private or reserved address", false},
		{"private", public, "http://10.1.2.3/x.csv", "private or reserved address", false},
		{"private 192.168", public, "http://192.168.0.10:8080/x.csv", "private or reserved address", false},
		{"link-local", public, "http://169.254.10.1/x.csv", "private or reserved address", false},
		{"metadata", public, "http://169.254.169.254/latest/meta-data/", "private or reserved address", false},
		{"unspecified", public, "http://0.0.0.0/x.csv", "private or reserved address", false},
		{"IPv6 loopback", public, "http://[::1]/x.csv", "private or reserved address", false},
		{"IPv6 ULA", public, "http://[fd00::1]/x.csv", "private or reserved address", false},
		{"IPv6 link-local", public, "http://[fe80::1]/x.csv", "private or reserved address", false},
		{"IPv4-mapped IPv6", public, "http://[::ffff:10.0.0.1]/x.csv", "private or reserved address", false},
		{"other loopback address", allowed, fmt.Sprintf("http://127.0.0.2:%d/people.csv", port), "private or reserved address", false},
		{"redirect to private", allowed, srv.URL + "/to?u=http://10.0.0.1/x.csv", "redirects to a private or reserved address", false},
		{"redirect to metadata", allowed, srv.URL + "/to?u=http://169.254.169.254/latest/", "redirects to a private or reserved address", false},
		{"redirect to another loopback", allowed, srv.URL + fmt.Sprintf("/to?u=http://127.0.0.2:%d/people.csv", port), "redirects to a private or reserved address", false},
		{"redirect to file", allowed, srv.URL + "/to?u=file:///etc/passwd", "redirects to an address that is not http or https", false},
		{"redirect loop", allowed, srv.URL + "/loop", "redirected more than 3 times", false},
		{"ftp", public, "ftp://example.com/x.csv", "must use http or https", false},
		{"file", public, "file:///etc/passwd", "must be an absolute http or https URL", false},
		{"relative", public, "/x.csv", "must be an absolute http or https URL", false},
		{"credentials", public, "https://user:pw@example.com/x.csv", "must not hold a user name or password", false},
		{"not found", allowed, srv.URL + "/missing", "the URL answered 404 Not Found", false},
		{"server error", allowed, srv.URL + "/busy", "the URL answered 503 Service Unavailable", true},
		{"never answers", allowed, srv.URL + "/silent", "the download did not finish within 300ms", false},
		{"too large", allowed, srv.URL + "/big", "the file is larger than the limit of 1 KiB", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dl, err := tt.f.Get(context.Background(), tt.url, 1<<10)
			if err == nil {
				dl.Close()
			}
			var se *SourceError
			require.True(t, errors.As(err, &se), "want *SourceError, got %T: %v", err, err)
			require.Contains(t, se.Msg, tt.want)
			require.Equal(t, tt.retry, se.Retry)
		})
	}
}

// Limits that apply while the body streams fail the read with a *SourceError.
func TestFetcherBodyLimits(t *testing.T) {
	srv := sourceServer(t)
	f := NewFetcher(FetchOptions{AllowedPrivate: loopback, Timeout: 300 * time.Millisecond})
	tests := []struct{ path, want string }{
		{"/big-chunked", "the file is larger than the limit of 1 KiB"},
		{"/trickle", "the download did not finish within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			dl, err := f.Get(context.Background(), srv.URL+tt.path, 1<<10)
			require.NoError(t, err)
			defer dl.Close()
			_, err = io.ReadAll(dl.Body)
			var se *SourceError
			require.True(t, errors.As(err, &se), "want *SourceError, got %T: %v", err, err)
			require.Contains(t, se.Msg, tt.want)
		})
	}
}
