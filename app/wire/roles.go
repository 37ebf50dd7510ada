package wire

import (
	"context"
	"net"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/store"
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
	base   *Base
	closers
}

// NewAPI opens the API database (migrating it outside production) and builds the app.
// Web→API tokens are verified with the web app's public keys from Config.JWKSURL.
func NewAPI(ctx context.Context, b *Base) (*API, error) {
	a := &API{base: b}
	db, err := store.OpenAPI(ctx, b.Config)
	if err != nil {
		return nil, err
	}
	a.add(db.Close) // closes the pool under it too
	a.DB = db
	ns := b.Config.RedisNamespace
	a.Jobs = jobs.NewClient(db, b.Redis, ns, b.Log)
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
	})
	return a, nil
}

// Run serves the API on addr until ctx ends.
func (a *API) Run(ctx context.Context, addr string) error {
	go a.Hub.Run(ctx)
	return serveApp(ctx, "api", addr, a.Server.App(), a.base)
}

// Close releases the database.
func (a *API) Close() error { return a.close() }

// Web is the web role.
type Web struct {
	DB     *entweb.Client
	Hub    *events.Hub
	Signer *auth.Signer
	Server *web.Server
	base   *Base
	closers
}

// NewWeb opens the web database (migrating it outside production) and builds the app.
func NewWeb(ctx context.Context, b *Base) (*Web, error) {
	w := &Web{base: b}
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
	w.Hub = events.NewHub(b.Redis.Pool, b.Config.RedisNamespace, b.Log)
	w.Server, err = web.New(web.Deps{
		Config: b.Config,
		DB:     db,
		Signer: signer,
		Hub:    w.Hub,
		Log:    b.Log,
		HTTP:   b.HTTP,
	})
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// Run serves the web app on addr until ctx ends.
func (w *Web) Run(ctx context.Context, addr string) error {
	go w.Hub.Run(ctx)
	return serveApp(ctx, "web", addr, w.Server.App(), w.base)
}

// Close releases the database.
func (w *Web) Close() error { return w.close() }

// Worker is a pipeline worker pool over the API database.
type Worker struct {
	Pool *jobs.Pool
}

// NewWorker builds a pool of concurrency workers; db is the API database client.
func NewWorker(b *Base, db *entapi.Client, concurrency int, reconcile bool) *Worker {
	pool := jobs.NewPool(jobs.Deps{
		DB:            db,
		Redis:         b.Redis,
		Namespace:     b.Config.RedisNamespace,
		Blobs:         b.Blobs,
		Events:        events.NewPublisher(b.Redis.Pool, b.Config.RedisNamespace),
		WebURL:        b.Config.WebURL,
		WebhookSecret: b.Config.WebhookSecret,
		HTTP:          b.HTTP,
		Log:           b.Log,
	}, jobs.PoolOptions{Concurrency: concurrency, Reconcile: reconcile, ChunkRows: b.Config.ChunkRows})
	return &Worker{Pool: pool}
}

// Start starts the pool.
func (w *Worker) Start() { w.Pool.Start() }

// Stop stops the pool, letting in-flight jobs finish.
func (w *Worker) Stop() { w.Pool.Stop() }

// listenConfig is shared by both apps: Assay prints its own startup lines.
var listenConfig = fiber.ListenConfig{DisableStartupMessage: true}

func serveApp(ctx context.Context, name, addr string, app *fiber.App, b *Base) error {
	return serve(ctx, name, addr,
		func(addr string) error { return app.Listen(addr, listenConfig) },
		app.ShutdownWithContext, b.Log)
}

// ServeListener serves app on an existing listener until ctx ends (tests use port 0).
func ServeListener(ctx context.Context, app *fiber.App, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		app.Shutdown()
	}()
	return app.Listener(ln, listenConfig)
}
