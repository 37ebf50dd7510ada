package telemetry

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one process, on a registry of its own. A nil
// *Metrics records nothing, so every consumer may be built without one.
type Metrics struct {
	reg *prometheus.Registry

	httpDuration      *prometheus.HistogramVec
	stageDuration     *prometheus.HistogramVec
	stageFailures     *prometheus.CounterVec
	queueLatency      *prometheus.HistogramVec
	sseConnections    *prometheus.GaugeVec
	webhookDeliveries *prometheus.CounterVec
}

// NewMetrics builds the registry with the Go runtime and process collectors and every
// Assay metric.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by app, route pattern, method and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"app", "route", "method", "status"}),
		stageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pipeline_stage_duration_seconds",
			Help:    "Time a claimed pipeline step ran, by stage and outcome (succeeded, failed, retry, abandoned).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"stage", "outcome"}),
		stageFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_stage_failures_total",
			Help: "Failed pipeline step attempts, by stage and error class.",
		}, []string{"stage", "class"}),
		queueLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "queue_latency_seconds",
			Help:    "Time from enqueue to the start of a job, by queue, in whole seconds (as the queue records them); a scheduled retry counts from its scheduling.",
			Buckets: []float64{1, 2, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"queue"}),
		sseConnections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sse_connections",
			Help: "Open server-sent event streams, by app.",
		}, []string{"app"}),
		webhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webhook_deliveries_total",
			Help: "Outgoing webhook delivery attempts, by outcome (delivered, retry, failed).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpDuration, m.stageDuration, m.stageFailures, m.queueLatency,
		m.sseConnections, m.webhookDeliveries,
	)
	return m
}

// Registry is the process's registry, for collectors of other packages and tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Register adds c; a collector of the same metrics registered before (another role of
// the same process) is kept and c dropped.
func (m *Metrics) Register(c prometheus.Collector) error {
	if m == nil {
		return nil
	}
	var dup prometheus.AlreadyRegisteredError
	if err := m.reg.Register(c); err != nil && !errors.As(err, &dup) {
		return err
	}
	return nil
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveHTTP records one answered request.
func (m *Metrics) ObserveHTTP(app, route, method, status string, d time.Duration) {
	if m == nil {
		return
	}
	m.httpDuration.WithLabelValues(app, route, method, status).Observe(d.Seconds())
}

// ObserveStage records one run of a claimed step.
func (m *Metrics) ObserveStage(stage, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.stageDuration.WithLabelValues(stage, outcome).Observe(d.Seconds())
}

// StageFailed counts a failed step attempt of class (rate_limit, timeout, transient,
// permanent).
func (m *Metrics) StageFailed(stage, class string) {
	if m == nil {
		return
	}
	m.stageFailures.WithLabelValues(stage, class).Inc()
}

// ObserveQueueLatency records how long a job of queue waited.
func (m *Metrics) ObserveQueueLatency(queue string, d time.Duration) {
	if m == nil {
		return
	}
	m.queueLatency.WithLabelValues(queue).Observe(max(d, 0).Seconds())
}

// SSEOpened counts an open event stream of app; call the returned func when it ends.
func (m *Metrics) SSEOpened(app string) (closed func()) {
	if m == nil {
		return func() {}
	}
	g := m.sseConnections.WithLabelValues(app)
	g.Inc()
	return g.Dec
}

// WebhookDelivered counts a delivery attempt with outcome.
func (m *Metrics) WebhookDelivered(outcome string) {
	if m == nil {
		return
	}
	m.webhookDeliveries.WithLabelValues(outcome).Inc()
}
