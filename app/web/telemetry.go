package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
)

// Probe paths: liveness checks nothing, readiness the web database and Redis. /healthz
// stays the dependency-free check it always was.
const (
	pathLive  = "/livez"
	pathReady = "/readyz"
)

// probePaths get no access log line: orchestrators poll them every few seconds.
var probePaths = map[string]bool{pathLive: true, pathReady: true, "/healthz": true}

// newProbes checks db and rds; a nil one fails its check.
func newProbes(db *entweb.Client, rds *platform.Redis) telemetry.Probes {
	return telemetry.Probes{Checks: map[string]telemetry.Check{
		"database": func(ctx context.Context) error {
			// Users are not tenant-scoped: one cheap indexed read proves the pool works.
			if _, err := db.User.Query().Limit(1).IDs(tenant.System(ctx)); err != nil {
				return fmt.Errorf("web: ready: database: %w", err)
			}
			return nil
		},
		"redis": func(ctx context.Context) error {
			if rds == nil {
				return errors.New("web: ready: no redis")
			}
			return rds.Ping(ctx)
		},
	}}
}

// tracedClient is hc with a transport that records a client span per request and sends
// the W3C traceparent, so the API's spans join the web request's trace.
func tracedClient(hc *http.Client, tp trace.TracerProvider) *http.Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if tp == nil {
		return hc
	}
	c := *hc
	c.Transport = otelhttp.NewTransport(hc.Transport,
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(telemetry.Propagator()))
	return &c
}
