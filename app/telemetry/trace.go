package telemetry

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Service names of the roles, the service.name of their spans.
const (
	ServiceWeb    = "assay-web"
	ServiceAPI    = "assay-api"
	ServiceWorker = "assay-worker"
)

// TraceparentArg is the job argument that carries the W3C traceparent of the request
// that caused the job.
const TraceparentArg = "traceparent"

// Propagator is the W3C trace context format used on every hop (HTTP headers, job args).
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// NewTracerProvider builds the TracerProvider of one role. With an endpoint (the base
// OTLP/HTTP URL, as in OTEL_EXPORTER_OTLP_ENDPOINT) spans are batched to
// <endpoint>/v1/traces; without one they are recorded (so trace ids reach logs and job
// args) but leave the process only through the extra span processors, which tests use.
// Shutdown flushes and stops it.
func NewTracerProvider(ctx context.Context, service, endpoint string, extra ...sdktrace.SpanProcessor) (*sdktrace.TracerProvider, error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}
	if endpoint != "" {
		exp, err := otlptracehttp.New(ctx,
			otlptracehttp.WithEndpointURL(strings.TrimRight(endpoint, "/")+"/v1/traces"))
		if err != nil {
			return nil, fmt.Errorf("telemetry: otlp exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	for _, p := range extra {
		opts = append(opts, sdktrace.WithSpanProcessor(p))
	}
	return sdktrace.NewTracerProvider(opts...), nil
}

// Tracer returns the named tracer of tp, or a no-op one when tp is nil.
func Tracer(tp trace.TracerProvider, name string) trace.Tracer {
	if tp == nil {
		return noop.NewTracerProvider().Tracer(name)
	}
	return tp.Tracer(name)
}

// Traceparent is the W3C traceparent of ctx's span, or "" when it has none.
func Traceparent(ctx context.Context) string {
	c := propagation.MapCarrier{}
	Propagator().Inject(ctx, c)
	return c[TraceparentArg]
}

// WithTraceparent returns ctx with the remote span context of traceparent ("" or a
// malformed value leave ctx as it is).
func WithTraceparent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return Propagator().Extract(ctx, propagation.MapCarrier{TraceparentArg: traceparent})
}
