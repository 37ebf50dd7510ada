package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/wire"
)

// Env is a running product: web and API on loopback ports, workers, databases, Redis.
type Env struct {
	Backend Backend
	Config  config.Config
	Stack   *wire.Stack
	WebURL  string
	APIURL  string
}

// Option adjusts how New builds the product.
type Option func(*settings)

type settings struct {
	config      []func(*config.Config)
	holdWorkers bool
	spans       []sdktrace.SpanProcessor
	logOut      io.Writer
}

// WithConfig changes the configuration before the stack is built.
func WithConfig(f func(*config.Config)) Option {
	return func(s *settings) { s.config = append(s.config, f) }
}

// WithSpans sends the spans of every role to p (a tracetest exporter, in tests).
func WithSpans(p sdktrace.SpanProcessor) Option {
	return func(s *settings) { s.spans = append(s.spans, p) }
}

// WithLogOutput writes the product's log to w (in the configured LOG_FORMAT and level).
func WithLogOutput(w io.Writer) Option { return func(s *settings) { s.logOut = w } }

// HoldWorkers leaves the workers stopped: tasks stay pending until the test calls
// env.Stack.Worker.Start().
func HoldWorkers() Option { return func(s *settings) { s.holdWorkers = true } }

// New builds and starts the product on backend b; everything stops at test cleanup.
func New(t testing.TB, b Backend, opts ...Option) *Env {
	t.Helper()
	webLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dir := t.TempDir()
	cfg := config.Config{
		Env:            config.EnvTest,
		DataDir:        dir,
		WebAddr:        webLn.Addr().String(),
		APIAddr:        apiLn.Addr().String(),
		WebURL:         "http://" + webLn.Addr().String(),
		APIURL:         "http://" + apiLn.Addr().String(),
		WebDatabaseURL: b.WebDB(t),
		APIDatabaseURL: b.APIDB(t),
		RedisURL:       b.RedisURL,
		RedisNamespace: Namespace(),
		BlobDir:        filepath.Join(dir, "blobs"),
		MaxUploadBytes: 8 << 20,
		Workers:        4,
		ChunkRows:      50_000,
		LogLevel:       "warn",
		LogFormat:      "text",
	}
	var set settings
	for _, o := range opts {
		o(&set)
	}
	for _, f := range set.config {
		f(&cfg)
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("TEST_LOG") != "" {
		logOut = os.Stderr
	}
	if set.logOut != nil {
		logOut = set.logOut
	}
	log := platform.NewLogger(logOut, cfg.LogFormat, cfg.LogLevel)
	base, err := wire.NewBase(cfg, config.RoleDev, log)
	require.NoError(t, err)
	base.SpanProcessors = set.spans
	ctx, cancel := context.WithCancel(context.Background())
	stack, err := wire.NewStack(ctx, base)
	require.NoError(t, err)
	if !set.holdWorkers {
		stack.Worker.Start()
	}
	go stack.Web.Hub.Run(ctx)
	go stack.API.Hub.Run(ctx)
	done := make(chan struct{}, 2)
	go func() { wire.ServeListener(ctx, stack.Web.Server.App(), webLn); done <- struct{}{} }()
	go func() { wire.ServeListener(ctx, stack.API.Server.App(), apiLn); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		stack.Worker.Stop()
		stack.Close()
		if b.RedisURL != "" {
			DropNamespace(base.Redis.Pool, cfg.RedisNamespace)
		}
		base.Close()
	})
	return &Env{Backend: b, Config: base.Config, Stack: stack, WebURL: cfg.WebURL, APIURL: cfg.APIURL}
}

// DropNamespace deletes every key a test wrote under ns to a shared Redis.
func DropNamespace(pool *redis.Pool, ns string) {
	conn := pool.Get()
	defer conn.Close()
	cursor := "0"
	for {
		res, err := redis.Values(conn.Do("SCAN", cursor, "MATCH", ns+":*", "COUNT", 1000))
		if err != nil {
			return
		}
		cursor, _ = redis.String(res[0], nil)
		keys, _ := redis.Strings(res[1], nil)
		for _, k := range keys {
			conn.Do("DEL", k)
		}
		if cursor == "0" {
			return
		}
	}
}

// Discard is a logger for tests that do not read logs.
var Discard = slog.New(slog.NewTextHandler(io.Discard, nil))
