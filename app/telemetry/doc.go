// Package telemetry is Assay's observability plumbing: a slog handler that stamps every
// line with the request and trace ids of its context, OpenTelemetry tracing (one
// TracerProvider per role, W3C trace context across HTTP and job args), Prometheus
// metrics on a registry of the process's own, and the liveness and readiness handlers.
// Nothing here is global: each process builds its providers and passes them on.
package telemetry
