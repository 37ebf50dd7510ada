package telemetry_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/telemetry"
)

// TestReadinessFailsOnceDraining: readiness answers 200 until shutdown starts, then 503
// naming "shutdown", although every dependency still answers.
func TestReadinessFailsOnceDraining(t *testing.T) {
	drain := &telemetry.Drain{}
	p := telemetry.Probes{Drain: drain, Checks: map[string]telemetry.Check{
		"database": func(context.Context) error { return nil },
	}}
	app := fiber.New()
	app.Get("/readyz", p.Ready)
	get := func() (int, telemetry.ProbeView) {
		res, err := app.Test(httptest.NewRequest(http.MethodGet, "/readyz", nil))
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		var v telemetry.ProbeView
		require.NoError(t, json.Unmarshal(b, &v))
		return res.StatusCode, v
	}
	code, v := get()
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", v.Status)

	drain.Start()
	code, v = get()
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, []string{"shutdown"}, v.Failing)
	require.Equal(t, "ok", v.Checks["database"])

	var none *telemetry.Drain
	require.False(t, none.Draining(), "a nil Drain never drains")
}
