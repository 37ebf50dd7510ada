package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFrameworkErrorsAreProblems(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	_, key := e.org(t)
	cases := []struct {
		name, method, path, token string
		status                    int
	}{
		{"unknown route", http.MethodGet, "/nope", "", http.StatusNotFound},
		{"unknown api route", http.MethodGet, "/v1/api/nope", key, http.StatusNotFound},
		{"wrong method", http.MethodPut, "/v1/health", "", http.StatusMethodNotAllowed},
		{"unauthenticated api route", http.MethodGet, "/v1/api/nope", "", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.doMalformed(t, tc.method, tc.path, tc.token, "", nil) // no such route or method
			res.problem(t, tc.status)
			require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			require.NotEmpty(t, res.Header.Get("X-Request-ID"))
		})
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	_, key := e.org(t)
	require.NoError(t, e.db.Close())

	res := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil, "X-Request-ID", "req-123")
	require.Equal(t, "an internal error occurred", res.problem(t, http.StatusInternalServerError))
	require.NotContains(t, string(res.body), "closed")
	logs := e.logs.String()
	require.Contains(t, logs, "level=ERROR")
	require.Contains(t, logs, "request_id=req-123")
	require.Contains(t, logs, "closed", "the cause goes to the log")
}
