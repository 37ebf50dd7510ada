package wire

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/gofiber/fiber/v3"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/web"
	entapi "github.com/assayhq/assay/ent/api"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/jobs"
)

// API is the API role: its database, the jobs client, live events and the HTTP app.
type API struct {
	DB     *entapi.Client
	Jobs   *jobs.Client
	Hub    *events.Hub
	Server *api.Server
	// Drain fails readiness once shutdown starts.
	Drain *telemetry.Drain
	base  *Base
	closers
}

// NewAPI opens the API database (migrating it outside production) and builds the app.
// Web→API tokens are verified with the web app's public keys from Config.JWKSURL.
func NewAPI(ctx context.Context, b *Base) (*API, error) {
	a := &API{base: b, Drain: &telemetry.Drain{}}
	db, err := store.OpenAPI(ctx, b.Config)
	if err != nil {
		return nil, err
	}
	a.add(db.Close) // closes the pool under it too
	a.DB = db
	tp, err := b.tracerProvider(ctx, telemetry.ServiceAPI)
	if err != nil {
		a.close()
		return nil, err
	}
	a.add(shutdownTracer(tp))
	ns := b.Config.RedisNamespace
	if err := b.Metrics.Register(jobs.QueueDepth(b.Redis, ns)); err != nil {
		a.close()
		return nil, fmt.Errorf("wire: api: %w", err)
	}
	a.Jobs = jobs.NewClient(db, b.Redis, ns, b.Log)
	a.Jobs.LimitOrgs(jobs.FixedOrgLimit(b.Config.MaxRunningTasksPerOrg))
	a.Hub = events.NewHub(b.Redis.Pool, ns, b.Log)
	a.Server = api.New(api.Deps{
		Config:   b.Config,
		DB:       db,
		Blobs:    b.Blobs,
		Jobs:     a.Jobs,
		Hub:      a.Hub,
		Verifier: auth.NewVerifier(auth.RemoteJWKS(b.Config.JWKSURL, b.HTTP)),
		Redis:    b.Redis,
		Log:      b.Log,
		Limiter:  ratelimit.New(b.Redis.Pool, ns),
		Tracer:   tp,
		Metrics:  b.Metrics,
		Drain:    a.Drain,
		Sealer:   b.endpointSealer(),
	})
	return a, nil
}

// Run serves the API on addr until ctx ends.
func (a *API) Run(ctx context.Context, addr string) error {
	go a.Hub.Run(ctx)
	return serveApp(ctx, "api", addr, a.Server.App(), a.Drain, a.base)
}

// Close releases the database.
func (a *API) Close() error { return a.close() }

// Web is the web role.
type Web struct {
	DB     *entweb.Client
	Hub    *events.Hub
	Signer *auth.Signer
	Server *web.Server
	Mail   *jobs.MailPool // delivers the outbox
	// Lifecycle carries out scheduled deletions once their grace period is over.
	Lifecycle *jobs.LifecycleSweep
	// Drain fails readiness once shutdown starts.
	Drain *telemetry.Drain
	base  *Base
	closers
}

// NewWeb opens the web database (migrating it outside production) and builds the app.
func NewWeb(ctx context.Context, b *Base) (*Web, error) {
	w := &Web{base: b, Drain: &telemetry.Drain{}}
	signer, err := auth.NewSigner(b.Config.JWTSigningKey)
	if err != nil {
		return nil, err
	}
	w.Signer = signer
	db, err := store.OpenWeb(ctx, b.Config)
	if err != nil {
		return nil, err
	}
	w.add(db.Close) // closes the pool under it too
	w.DB = db
	tp, err := b.tracerProvider(ctx, telemetry.ServiceWeb)
	if err != nil {
		w.close()
		return nil, err
	}
	w.add(shutdownTracer(tp))
	w.Hub = events.NewHub(b.Redis.Pool, b.Config.RedisNamespace, b.Log)
	if w.Mail, err = newMailPool(b, db); err != nil {
		w.close()
		return nil, err
	}
	// Delivering runs for the life of the role; Close stops it before the database closes.
	w.Mail.Start()
	w.add(func() error { w.Mail.Stop(); return nil })
	w.Server, err = web.New(web.Deps{
		Config: b.Config,
		DB:     db,
		Signer: signer,
		Hub:    w.Hub,
		Log:    b.Log,
		HTTP:   b.HTTP,
		// Counters shared by every web instance through Redis.
		Limiter: ratelimit.New(b.Redis.Pool, b.Config.RedisNamespace),
		Mail:    w.Mail,
		Redis:   b.Redis,
		Tracer:  tp,
		Metrics: b.Metrics,
		Drain:   w.Drain,
		Blobs:   b.Blobs,
	})
	if err != nil {
		w.close()
		return nil, err
	}
	// Organization exports are built and expired in the background until Close.
	w.Server.Exports().Start(0)
	w.add(func() error { w.Server.Exports().Stop(); return nil })
	w.Lifecycle = jobs.NewLifecycleSweep(w.Server.Deletions().RunDue, 0, b.Log)
	w.Lifecycle.Start()
	w.add(func() error { w.Lifecycle.Stop(); return nil })
	return w, nil
}

// Run serves the web app on addr until ctx ends.
func (w *Web) Run(ctx context.Context, addr string) error {
	go w.Hub.Run(ctx)
	return serveApp(ctx, "web", addr, w.Server.App(), w.Drain, w.base)
}

// Close stops the mail pool and releases the database.
func (w *Web) Close() error { return w.close() }

// Worker is a pipeline worker pool over the API database.
type Worker struct {
	Pool  *jobs.Pool
	tp    *sdktrace.TracerProvider
	grace time.Duration
}

// PipelineDB is the API database client workers record pipeline steps with: on
// Postgres its own pool, whose commits do not wait for the WAL flush (see
// store.OpenPipelineAPI), closed by the returned func; on SQLite, shared itself.
func PipelineDB(ctx context.Context, b *Base, shared *entapi.Client) (*entapi.Client, func() error, error) {
	db, err := store.OpenPipelineAPI(ctx, b.Config)
	if err != nil {
		return nil, nil, err
	}
	if db == nil {
		return shared, func() error { return nil }, nil
	}
	return db, db.Close, nil
}

// NewWorker builds a pool of concurrency workers; db is the API database client. Close
// flushes its spans once it has stopped.
func NewWorker(b *Base, db *entapi.Client, concurrency int, reconcile bool) *Worker {
	// Without an exporter endpoint building the provider cannot fail; with one, a broken
	// endpoint URL leaves the worker untraced rather than down.
	tp, err := b.tracerProvider(context.Background(), telemetry.ServiceWorker)
	if err != nil {
		b.Log.Error("worker: tracing off", "err", err)
		tp, _ = telemetry.NewTracerProvider(context.Background(), telemetry.ServiceWorker, "", b.SpanProcessors...)
	}
	if err := b.Metrics.Register(jobs.QueueDepth(b.Redis, b.Config.RedisNamespace)); err != nil {
		b.Log.Error("worker: queue depth metric", "err", err)
	}
	pool := jobs.NewPool(jobs.Deps{
		DB:                     db,
		Redis:                  b.Redis,
		Namespace:              b.Config.RedisNamespace,
		Blobs:                  b.Blobs,
		Events:                 events.NewPublisher(b.Redis.Pool, b.Config.RedisNamespace),
		WebURL:                 b.Config.WebURL,
		WebhookSecret:          b.Config.WebhookSecret,
		HTTP:                   b.tracedHTTP(tp),
		Log:                    b.Log,
		Fetcher:                api.NewFetcher(b.Config),
		Tracer:                 tp,
		Metrics:                b.Metrics,
		MaxRunning:             jobs.FixedOrgLimit(b.Config.MaxRunningTasksPerOrg),
		Sealer:                 b.endpointSealer(),
		EndpointAllowedPrivate: b.allowedPrivate(),
	}, jobs.PoolOptions{
		Concurrency: concurrency, Reconcile: reconcile, ChunkRows: b.Config.ChunkRows,
		MaxSourceBytes: b.Config.MaxUploadBytes,
		Lease:          b.Config.Runtime.JobLease, ReconcileEvery: b.Config.Runtime.JobReconcileEvery,
		RedispatchAfter: b.Config.Runtime.JobRedispatchAfter,
	})
	return &Worker{Pool: pool, tp: tp, grace: b.Config.Runtime.Grace()}
}

// Start starts the pool.
func (w *Worker) Start() { w.Pool.Start() }

// Stop stops the pool gracefully: no new jobs, in-flight stages get SHUTDOWN_TIMEOUT to
// finish, and those still running then release their steps to other workers.
func (w *Worker) Stop() { w.Pool.Shutdown(w.grace) }

// Close flushes the worker's spans; call it after Stop.
func (w *Worker) Close() error { return shutdownTracer(w.tp)() }

// listenConfig is shared by both apps: Assay prints its own startup lines.
var listenConfig = fiber.ListenConfig{DisableStartupMessage: true}

func serveApp(ctx context.Context, name, addr string, app *fiber.App, drain *telemetry.Drain, b *Base) error {
	return serve(ctx, name, addr,
		func(addr string) error { return app.Listen(addr, listenConfig) },
		app.ShutdownWithContext, drain, b.Config.Runtime, b.Log)
}

// ServeListener serves app on an existing listener until ctx ends (tests use port 0).
func ServeListener(ctx context.Context, app *fiber.App, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		app.Shutdown()
	}()
	return app.Listener(ln, listenConfig)
}
