package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"
)

type probe struct {
	Status  string            `json:"status"`
	Checks  map[string]string `json:"checks"`
	Failing []string          `json:"failing"`
}

// getProbe calls a probe path; probes are operations of the deployment, not of the
// documented API, so they bypass the OpenAPI check.
func getProbe(t *testing.T, e *env, path string) (int, probe) {
	t.Helper()
	res, err := e.app.Test(httptest.NewRequest(http.MethodGet, path, nil),
		fiber.TestConfig{Timeout: 10 * time.Second, FailOnTimeout: true})
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var p probe
	require.NoError(t, json.Unmarshal(b, &p), "body: %s", b)
	return res.StatusCode, p
}

func TestProbes(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(e *env)
		ready   int
		failing []string
	}{
		{"all up", func(*env) {}, http.StatusOK, nil},
		{"redis down", func(e *env) { require.NoError(t, e.redis.Close()) }, http.StatusServiceUnavailable, []string{"redis"}},
		{"database closed", func(e *env) { require.NoError(t, e.db.Close()) }, http.StatusServiceUnavailable, []string{"database"}},
	}
	eachBackend(t, func(t *testing.T, url string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, url)
				tc.breakIt(e)

				status, p := getProbe(t, e, "/livez")
				require.Equal(t, http.StatusOK, status, "liveness checks no dependency")
				require.Equal(t, "ok", p.Status)

				status, p = getProbe(t, e, "/readyz")
				require.Equal(t, tc.ready, status)
				require.Equal(t, tc.failing, p.Failing)
				require.Len(t, p.Checks, 2)
				for _, name := range tc.failing {
					require.Equal(t, "error", p.Checks[name])
				}

				// The older path answers the same, in the documented shape.
				legacy := e.do(t, http.MethodGet, "/v1/health", "", "", nil)
				require.Equal(t, tc.ready, legacy.StatusCode)
			})
		}
	})
}
