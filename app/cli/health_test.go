package cli

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

// The container health check asks the role's own endpoint on the loopback address,
// whatever interface the role listens on, and fails on anything but 200.
func TestHealthcheck(t *testing.T) {
	healthy := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && r.URL.Path != "/v1/health" {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	sick := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := closed.Addr().String()
	require.NoError(t, closed.Close())

	cases := []struct {
		name     string
		web, api string
		args     []string
		code     int
	}{
		{"web on every interface", ":" + port(t, healthy), down, []string{"healthcheck", "web"}, 0},
		{"api on 0.0.0.0", down, "0.0.0.0:" + port(t, healthy), []string{"healthcheck", "api"}, 0},
		{"api not ready", down, sick, []string{"healthcheck", "api"}, 1},
		{"web asks its own address", down, healthy, []string{"healthcheck", "web"}, 1},
		{"bad listen address", "8080", down, []string{"healthcheck", "web"}, 1},
		{"no role", healthy, healthy, []string{"healthcheck"}, 2},
		{"worker has no endpoint", healthy, healthy, []string{"healthcheck", "worker"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(Env{Config: config.Config{WebAddr: tc.web, APIAddr: tc.api}}, tc.args...)
			require.Equal(t, tc.code, code, stderr)
			if tc.code == 0 {
				require.Equal(t, "ok\n", stdout)
			}
		})
	}
}

// serve starts a test server with h and returns its address.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return p
}
