package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/assayhq/assay/app/telemetry"
)

// tracerProvider builds the TracerProvider of one role (service is its service.name):
// exporting over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and to Base.SpanProcessors
// (tests). The caller shuts it down.
func (b *Base) tracerProvider(ctx context.Context, service string) (*sdktrace.TracerProvider, error) {
	return telemetry.NewTracerProvider(ctx, service, b.Config.OTLPEndpoint, b.SpanProcessors...)
}

// shutdownTracer flushes the spans of tp, waiting a few seconds at most.
func shutdownTracer(tp *sdktrace.TracerProvider) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("telemetry: shutdown tracer: %w", err)
		}
		return nil
	}
}

// tracedHTTP is b.HTTP sending the W3C traceparent of each request's context (the
// pipeline's webhooks to the web app), with a client span per request.
func (b *Base) tracedHTTP(tp *sdktrace.TracerProvider) *http.Client {
	c := *b.HTTP
	c.Transport = otelhttp.NewTransport(b.HTTP.Transport,
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(telemetry.Propagator()))
	return &c
}

// MetricsServer serves the process's metrics on the internal metrics address.
type MetricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// StartMetrics serves /metrics on Config.MetricsListen() — never one of the apps' public
// ports — until Close; with no address it serves nothing and returns a nil server (whose
// Close does nothing).
func (b *Base) StartMetrics() (*MetricsServer, error) {
	addr := b.Config.MetricsListen()
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", b.Metrics.Handler())
	m := &MetricsServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.Log.Error("metrics: serve", "addr", addr, "err", err)
		}
	}()
	b.Log.Info("metrics: listening", "addr", ln.Addr().String())
	return m, nil
}

// Addr is the address the server listens on.
func (m *MetricsServer) Addr() string { return m.ln.Addr().String() }

// Close stops the server.
func (m *MetricsServer) Close() error {
	if m == nil {
		return nil
	}
	return m.srv.Close()
}
