package telemetry

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/requestid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTP instruments one Fiber app: a server span per request (continuing a W3C traceparent
// header), the request id and span in the request context for every log line, the
// latency histogram and an access log line.
type HTTP struct {
	App     string // "web" or "api", the app label of the metrics
	Tracer  trace.TracerProvider
	Metrics *Metrics
	Log     *slog.Logger
	// Quiet paths (probes) get no access log line.
	Quiet map[string]bool
}

// Handler is the middleware; register it right after requestid. It hands errors to the
// app's error handler itself, so the span, the metrics and the log see the final status.
func (h HTTP) Handler() fiber.Handler {
	tracer := Tracer(h.Tracer, "github.com/assayhq/assay/app/telemetry")
	log := h.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(c fiber.Ctx) error {
		start := time.Now()
		ctx := WithRequestID(c.Context(), requestid.FromContext(c))
		ctx = Propagator().Extract(ctx, headerCarrier{c})
		ctx, span := tracer.Start(ctx, c.Method(), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", c.Method()),
				attribute.String("url.path", c.Path()),
			))
		defer span.End()
		c.SetContext(ctx)

		if err := c.Next(); err != nil {
			if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
			span.RecordError(err)
		}
		status := c.Response().StatusCode()
		route := c.FullPath()
		if !c.Matched() {
			route = "unmatched" // unknown paths must not grow the label set
		}
		span.SetName(c.Method() + " " + route)
		span.SetAttributes(attribute.String("http.route", route),
			attribute.Int("http.response.status_code", status))
		if status >= fiber.StatusInternalServerError {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
		d := time.Since(start)
		h.Metrics.ObserveHTTP(h.App, route, c.Method(), strconv.Itoa(status), d)
		if !h.Quiet[c.Path()] {
			log.LogAttrs(ctx, slog.LevelInfo, h.App+": request",
				slog.String("method", c.Method()), slog.String("route", route),
				slog.Int("status", status), slog.Duration("duration", d))
		}
		return nil
	}
}

// headerCarrier reads propagation headers from a Fiber request.
type headerCarrier struct{ c fiber.Ctx }

var _ propagation.TextMapCarrier = headerCarrier{}

func (h headerCarrier) Get(key string) string { return h.c.Get(key) }
func (h headerCarrier) Set(string, string)    {}
func (h headerCarrier) Keys() []string        { return []string{"traceparent", "tracestate"} }
