// Package api is the public REST API: JSON under /v1/api, authenticated by API keys or
// short-lived JWTs from the web app, plus /v1/health.
package api

import (
	"log/slog"
	"math"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	entapi "github.com/assayhq/assay/ent/api"
	_ "github.com/assayhq/assay/ent/api/runtime" // tenant hooks and interceptors of the Ent schema
	"github.com/assayhq/assay/jobs"
)

// Deps is everything the API needs, built by the caller.
type Deps struct {
	Config   config.Config
	DB       *entapi.Client
	Blobs    platform.Blobs
	Jobs     *jobs.Client
	Hub      *events.Hub
	Verifier *auth.Verifier
	Redis    *platform.Redis
	Log      *slog.Logger
}

// Server is the API application.
type Server struct {
	app *fiber.App
	log *slog.Logger

	auth     *authenticator
	health   healthHandlers
	datasets datasetHandlers
	tasks    taskHandlers
	events   eventHandlers
	reports  reportHandlers
}

// New builds the API with its routes and middleware.
func New(d Deps) *Server {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		log:      log,
		auth:     newAuthenticator(d.DB, d.Verifier, log),
		health:   healthHandlers{db: d.DB, redis: d.Redis, log: log},
		datasets: datasetHandlers{db: d.DB, blobs: d.Blobs, maxBytes: d.Config.MaxUploadBytes, chunkRows: d.Config.ChunkRows, log: log},
		tasks:    taskHandlers{db: d.DB, jobs: d.Jobs},
		events:   eventHandlers{db: d.DB, hub: d.Hub, heartbeat: 15 * time.Second},
		reports:  reportHandlers{db: d.DB},
	}
	s.app = fiber.New(fiber.Config{
		AppName: "assay-api",
		// Uploads are streamed to blob storage, never held in memory; the handlers enforce
		// the size limit themselves because a streamed body bypasses fasthttp's check.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    bodyLimit(d.Config.MaxUploadBytes),
		ErrorHandler:                 s.handleError,
		IdleTimeout:                  2 * time.Minute,
	})
	s.routes(s.app)
	return s
}

// App returns the Fiber application, to listen on or to test.
func (s *Server) App() *fiber.App { return s.app }

func bodyLimit(n int64) int {
	if n <= 0 || n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(n)
}
