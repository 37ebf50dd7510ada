// Package wire builds Assay's roles (web, API, workers) from a Config, in a fixed order,
// and tears them down in reverse. main, the dev command and the tests all use it.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/telemetry"
)

// Base holds what every role shares: configuration, logger, Redis and blob storage.
type Base struct {
	Config config.Config
	Log    *slog.Logger
	Redis  *platform.Redis
	Blobs  platform.Blobs
	HTTP   *http.Client
	// Metrics is the process's Prometheus registry and metrics, shared by its roles.
	Metrics *telemetry.Metrics
	// SpanProcessors receive the spans of every role built after they are set, besides
	// the OTLP exporter (tests collect spans in memory this way).
	SpanProcessors []sdktrace.SpanProcessor
}

// NewBase prepares the configuration for role — in production every variable the role
// reads must be set; elsewhere embedded defaults and generated secrets fill the gaps —
// and opens Redis and, when configured, blob storage.
func NewBase(cfg config.Config, role config.Role, log *slog.Logger) (*Base, error) {
	if err := cfg.Require(role); err != nil {
		return nil, err
	}
	if !cfg.Production() {
		cfg = cfg.WithDefaults()
		var err error
		if cfg, err = platform.EnsureSecrets(cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rds, err := platform.OpenRedis(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	if rds.Embedded() {
		log.Info("redis: using the embedded in-process server (set REDIS_URL for a real one)")
	}
	var blobs platform.Blobs
	if cfg.BlobDir != "" { // the web role keeps only organization exports there, when set
		if blobs, err = platform.OpenDirBlobs(cfg.BlobDir); err != nil {
			rds.Close()
			return nil, err
		}
	}
	return &Base{
		Config:  cfg,
		Log:     log,
		Redis:   rds,
		Blobs:   blobs,
		HTTP:    &http.Client{Timeout: 30 * time.Second},
		Metrics: telemetry.NewMetrics(),
	}, nil
}

// Close releases Redis.
func (b *Base) Close() error { return b.Redis.Close() }

// closers runs cleanup functions in reverse order of registration.
type closers []func() error

func (c *closers) add(f func() error) { *c = append(*c, f) }

func (c closers) close() error {
	var errs []error
	for i := len(c) - 1; i >= 0; i-- {
		if err := c[i](); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// serve runs listen until ctx ends, then shuts the server down gracefully: readiness
// fails at once (drain), the server keeps accepting for rt.ShutdownDelay, then stops
// accepting, ends its event streams with a retry hint and lets in-flight requests finish
// within the rest of rt's grace.
func serve(ctx context.Context, name, addr string, listen func(string) error, shutdown func(context.Context) error,
	drain *telemetry.Drain, rt config.Runtime, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- listen(addr) }()
	log.Info(name+": listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("%s: listen %s: %w", name, addr, err)
	case <-ctx.Done():
	}
	drain.Start()
	log.Info(name+": shutting down", "grace", rt.Grace(), "delay", rt.ShutdownDelay)
	if rt.ShutdownDelay > 0 {
		time.Sleep(rt.ShutdownDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), max(rt.Grace()-rt.ShutdownDelay, time.Second))
	defer cancel()
	if err := shutdown(sctx); err != nil {
		return fmt.Errorf("%s: shutdown: %w", name, err)
	}
	log.Info(name + ": stopped")
	return nil
}
