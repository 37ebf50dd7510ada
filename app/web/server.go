// Package web is the browser app: server-rendered pages enhanced with htmx, sessions,
// live task progress over SSE, and the receiver of the API's signed webhooks. It reaches
// the API only over HTTP, with a short-lived JWT per request.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	entweb "github.com/assayhq/assay/ent/web"
	_ "github.com/assayhq/assay/ent/web/runtime" // tenant hooks and interceptors of the Ent schema
)

// Deps are what the web app is built from; the caller owns them and closes them.
type Deps struct {
	Config config.Config
	DB     *entweb.Client
	Signer *auth.Signer
	Hub    *events.Hub
	Log    *slog.Logger
	HTTP   *http.Client
}

// Server is the web app.
type Server struct {
	app   *fiber.App
	log   *slog.Logger
	views *renderer

	sessions  *sessionManager
	authn     authn
	accounts  accounts
	dashboard dashboard
	uploads   uploads
	tasks     tasks
	webhooks  webhooks
	signer    *auth.Signer

	stop     chan struct{}
	stopOnce sync.Once
}

// New builds the web app: it parses every template (failing on any error) and sets up
// the routes. Serving is the caller's: App().Listen or App().Listener.
func New(d Deps) (*Server, error) {
	switch {
	case d.DB == nil:
		return nil, errors.New("web: new: DB is required")
	case d.Signer == nil:
		return nil, errors.New("web: new: Signer is required")
	case d.Hub == nil:
		return nil, errors.New("web: new: Hub is required")
	case d.Config.APIURL == "":
		return nil, errors.New("web: new: API_URL is required")
	case d.Config.WebhookSecret == "":
		return nil, errors.New("web: new: WEBHOOK_SECRET is required")
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	views, err := newRenderer()
	if err != nil {
		return nil, err
	}
	secure := isHTTPS(d.Config.WebURL)
	store, err := newSessionStore(d.DB, d.Config.SessionSecret, secure)
	if err != nil {
		return nil, err
	}
	bodyLimit := d.Config.MaxUploadBytes + 1<<20
	api := newAPIClient(d.Config.APIURL, d.HTTP, d.Signer, d.Config.MaxUploadBytes)
	s := &Server{
		log: log, views: views, signer: d.Signer,
		sessions: newSessionManager(store, secure),
		stop:     make(chan struct{}),
	}
	s.authn = authn{db: d.DB, sessions: s.sessions}
	s.accounts = accounts{db: d.DB, sessions: s.sessions, views: views, log: log}
	s.dashboard = dashboard{db: d.DB, views: views, sync: taskSync{db: d.DB, api: api, log: log}, maxUpload: d.Config.MaxUploadBytes}
	s.uploads = uploads{db: d.DB, api: api, dash: s.dashboard, limit: bodyLimit, log: log}
	s.tasks = tasks{db: d.DB, api: api, views: views, hub: d.Hub, stop: s.stop, log: log}
	s.webhooks = webhooks{db: d.DB, secret: d.Config.WebhookSecret, now: time.Now}

	s.app = fiber.New(fiber.Config{
		AppName:      "assay-web",
		Views:        views.engine,
		ErrorHandler: s.handleError,
		// Bodies are streamed so uploads go to the API as they arrive; every route that
		// reads a body bounds it itself (limitBody, or the upload's own limit).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    int(min(bodyLimit, int64(^uint(0)>>1))),
		ReadBufferSize:               16 << 10,
	})
	// Live event streams end when the server shuts down, or Shutdown would wait on them.
	s.app.Hooks().OnPreShutdown(func() error {
		s.stopOnce.Do(func() { close(s.stop) })
		return nil
	})
	s.routes(s.app)
	return s, nil
}

// App returns the Fiber app to serve.
func (s *Server) App() *fiber.App { return s.app }

func isHTTPS(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https"
}

// jwks serves the public keys the API verifies the web app's tokens with.
func (s *Server) jwks(c fiber.Ctx) error {
	b, err := s.signer.JWKS()
	if err != nil {
		return fmt.Errorf("web: jwks: %w", err)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

func healthz(c fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}
