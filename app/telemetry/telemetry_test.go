package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/assayhq/assay/app/telemetry"
)

const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// testApp is a Fiber app instrumented as the real ones are, logging JSON into logs.
func testApp(t *testing.T, logs io.Writer) (*fiber.App, *telemetry.Metrics, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp, err := telemetry.NewTracerProvider(context.Background(), "test", "", sdktrace.NewSimpleSpanProcessor(exp))
	require.NoError(t, err)
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	m := telemetry.NewMetrics()
	log := telemetry.ContextLogger(slog.New(slog.NewJSONHandler(logs, nil)))
	app := fiber.New(fiber.Config{ErrorHandler: func(c fiber.Ctx, err error) error {
		log.ErrorContext(c.Context(), "request failed", "error", err)
		return c.Status(fiber.StatusTeapot).SendString("no")
	}})
	app.Use(requestid.New(), telemetry.HTTP{App: "test", Tracer: tp, Metrics: m, Log: log,
		Quiet: map[string]bool{"/quiet": true}}.Handler())
	app.Get("/items/:id", func(c fiber.Ctx) error {
		log.InfoContext(c.Context(), "handler ran")
		return c.SendString("ok")
	})
	app.Get("/fail", func(fiber.Ctx) error { return errors.New("boom") })
	app.Get("/quiet", func(c fiber.Ctx) error { return c.SendString("ok") })
	return app, m, exp
}

func do(t *testing.T, app *fiber.App, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := app.Test(req, fiber.TestConfig{Timeout: 5 * time.Second, FailOnTimeout: true})
	require.NoError(t, err)
	res.Body.Close()
	return res
}

func jsonLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func TestEveryRequestLineCarriesItsIDs(t *testing.T) {
	cases := []struct {
		name, path string
		status     int
		msgs       []string
	}{
		{"handler", "/items/7", 200, []string{"handler ran", "test: request"}},
		{"error handler", "/fail", fiber.StatusTeapot, []string{"request failed", "test: request"}},
		{"unknown route", "/nowhere", fiber.StatusTeapot, []string{"request failed", "test: request"}},
		{"quiet probe", "/quiet", 200, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			app, _, exp := testApp(t, &logs)
			res := do(t, app, tc.path, "X-Request-ID", "req-"+tc.name, "traceparent", parent)
			require.Equal(t, tc.status, res.StatusCode)
			lines := jsonLines(t, &logs)
			var msgs []string
			for _, l := range lines {
				msgs = append(msgs, l["msg"].(string))
				require.Equal(t, "req-"+tc.name, l["request_id"], "%v", l)
				require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", l["trace_id"], "%v", l)
				require.Len(t, l["span_id"], 16, "%v", l)
			}
			require.Equal(t, tc.msgs, msgs)
			spans := exp.GetSpans()
			require.Len(t, spans, 1)
			require.Equal(t, "00f067aa0ba902b7", spans[0].Parent.SpanID().String(), "the span continues the caller's")
		})
	}
}

func TestRequestMetricsUseTheRoutePattern(t *testing.T) {
	app, m, exp := testApp(t, io.Discard)
	do(t, app, "/items/1")
	do(t, app, "/items/2")
	do(t, app, "/fail")
	do(t, app, "/a/b/c")
	require.Equal(t, 3, testutil.CollectAndCount(m.Registry(), "http_request_duration_seconds"),
		"one series per route, method and status")
	scrape := httptest.NewRecorder()
	m.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := scrape.Body.String()
	for _, want := range []string{
		`http_request_duration_seconds_count{app="test",method="GET",route="/items/:id",status="200"} 2`,
		`http_request_duration_seconds_count{app="test",method="GET",route="/fail",status="418"} 1`,
		`http_request_duration_seconds_count{app="test",method="GET",route="unmatched",status="418"} 1`,
	} {
		require.Contains(t, body, want)
	}
	names := map[string]bool{}
	for _, s := range exp.GetSpans() {
		names[s.Name] = true
	}
	require.True(t, names["GET /items/:id"], "spans are named by route: %v", names)
}

func TestProbesNameTheFailingDependency(t *testing.T) {
	slow := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	ok := func(context.Context) error { return nil }
	cases := []struct {
		name    string
		checks  map[string]telemetry.Check
		failing []string
	}{
		{"all answer", map[string]telemetry.Check{"database": ok, "redis": ok}, nil},
		{"one errs", map[string]telemetry.Check{"database": ok, "redis": func(context.Context) error { return errors.New("down") }}, []string{"redis"}},
		{"one hangs", map[string]telemetry.Check{"database": slow, "redis": ok}, []string{"database"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond) // stands in for CheckTimeout
			defer cancel()
			v := telemetry.Probes{Checks: tc.checks}.Run(ctx)
			require.Equal(t, tc.failing, v.Failing)
			if tc.failing == nil {
				require.Equal(t, "ok", v.Status)
			} else {
				require.Equal(t, "error", v.Status)
			}
		})
	}
}

func TestTraceparentRoundTrip(t *testing.T) {
	ctx := telemetry.WithTraceparent(context.Background(), parent)
	require.Equal(t, parent, telemetry.Traceparent(ctx))
	require.Empty(t, telemetry.Traceparent(context.Background()))
	require.Empty(t, telemetry.Traceparent(telemetry.WithTraceparent(context.Background(), "garbage")))
}
