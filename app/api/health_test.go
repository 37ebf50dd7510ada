package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

type health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func TestHealth(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		res := e.do(t, http.MethodGet, "/v1/health", "", "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var h health
		res.json(t, &h)
		require.Equal(t, health{Status: "ok", Checks: map[string]string{"database": "ok", "redis": "ok"}}, h)
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
		require.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
		require.NotEmpty(t, res.Header.Get("X-Request-ID"))
	})
}

func TestHealthNamesTheFailedCheck(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(e *env)
		want    map[string]string
	}{
		{"redis down", func(e *env) { e.redis.Close() }, map[string]string{"database": "ok", "redis": "error"}},
		{"database down", func(e *env) { e.db.Close() }, map[string]string{"database": "error", "redis": "ok"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sqliteURL(t))
			tc.breakIt(e)
			res := e.do(t, http.MethodGet, "/v1/health", "", "", nil)
			require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
			var h health
			res.json(t, &h)
			require.Equal(t, "error", h.Status)
			require.Equal(t, tc.want, h.Checks)
		})
	}
}
