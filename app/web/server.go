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
	"go.opentelemetry.io/otel/trace"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/billing"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/export"
	"github.com/assayhq/assay/app/lifecycle"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/telemetry"
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
	// Limiter counts credential-form attempts (RATE_LIMIT_AUTH_PER_15M); nil turns the
	// limits off.
	Limiter *ratelimit.Limiter
	// Mail delivers the outbox rows the email flows write; nil leaves them for the mail
	// pool's sweep (tests that send no mail).
	Mail mail.Queue
	// Redis is checked by readiness (/readyz); nil fails that check.
	Redis *platform.Redis
	// Tracer records a server span per request and a client span per API call; nil
	// records none.
	Tracer trace.TracerProvider
	// Metrics records request latencies and SSE connections; nil records nothing.
	Metrics *telemetry.Metrics
	// Drain, once started (at SIGTERM), makes readiness answer 503; nil never does.
	Drain *telemetry.Drain
	// Billing is the Stripe API; nil builds it from Config.Stripe (billing stays off
	// without STRIPE_SECRET_KEY).
	Billing billing.Client
	// Blobs keeps organization exports; nil turns exports off.
	Blobs platform.Blobs
}

// Server is the web app.
type Server struct {
	app   *fiber.App
	log   *slog.Logger
	views *renderer

	sessions  *sessionManager
	authn     authn
	accounts  accounts
	settings  settings
	apiKeys   apiKeyPages
	dashboard dashboard
	uploads   uploads
	tasks     tasks
	rules     rulePages
	webhooks  webhooks
	hookPages webhookPages
	oidc      *oidcFlow
	limits    limits
	mail      *emailFlows
	mfaGate   *mfaGate
	mfa       mfaSettings
	reauth    *reauth
	orgSec    orgSecurity
	orgs      orgPages
	orgAudit  orgAudit
	deletions deletionPages
	lifecycle *lifecycle.Deletions
	exports   exportPages
	admin     *adminPages
	support   supportSettings
	hsts      fiber.Handler
	signer    *auth.Signer
	observe   fiber.Handler
	probes    telemetry.Probes

	stop     chan struct{}
	stopOnce sync.Once

	// Billing: the settings pages and the Stripe receiver.
	billing     billingPages
	usagePage   usagePages
	stripeHooks stripeWebhooks
	// plans pushes organizations' plans to the API.
	plans planSync
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
	// Every line logged with a request's context carries its request and trace ids.
	log := telemetry.ContextLogger(d.Log)
	views, err := newRenderer()
	if err != nil {
		return nil, err
	}
	secure := isHTTPS(d.Config.WebURL)
	store, err := newSessionStore(d.DB, d.Config.SessionSecret, secure,
		sessionTimes{Idle: d.Config.SessionIdleTimeout, Absolute: d.Config.SessionMaxAge})
	if err != nil {
		return nil, err
	}
	proxies, err := ratelimit.ParseProxies(d.Config.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("web: new: %w", err)
	}
	bodyLimit := d.Config.MaxUploadBytes + 1<<20
	api := newAPIClient(d.Config.APIURL, tracedClient(d.HTTP, d.Tracer), d.Signer, d.Config.MaxUploadBytes)
	s := &Server{
		log: log, views: views, signer: d.Signer,
		sessions: newSessionManager(store, secure, proxies),
		stop:     make(chan struct{}),
		observe: telemetry.HTTP{App: "web", Tracer: d.Tracer, Metrics: d.Metrics, Log: log,
			Quiet: probePaths}.Handler(),
		probes: newProbes(d.DB, d.Redis),
	}
	s.probes.Log = log
	s.probes.Drain = d.Drain
	s.authn = authn{db: d.DB, sessions: s.sessions,
		support: &supportAccess{db: d.DB, sessions: s.sessions, now: func() time.Time { return time.Now().UTC() }}}
	templates, err := mail.NewTemplates()
	if err != nil {
		return nil, err
	}
	s.mail = &emailFlows{
		db: d.DB, sessions: s.sessions, views: views, outbox: mail.NewOutbox(templates, d.Config.WebURL),
		queue: d.Mail, log: log, now: func() time.Time { return time.Now().UTC() },
	}
	mfa, err := account.NewMFA(d.DB, d.Config.SessionSecret)
	if err != nil {
		return nil, fmt.Errorf("web: new: %w", err)
	}
	auditLog := audit.NewLog(d.DB, log)
	record := auditLog.Record
	s.authn.support.audit = record
	s.authn.grace = d.Config.Stripe.GracePeriod // the past-due banner's date
	utcNow := func() time.Time { return time.Now().UTC() }
	s.mfaGate = &mfaGate{db: d.DB, sessions: s.sessions, views: views, mfa: mfa, audit: record, log: log, now: utcNow}
	s.mfa = mfaSettings{db: d.DB, sessions: s.sessions, views: views, mfa: mfa, audit: record, log: log}
	s.reauth = &reauth{db: d.DB, sessions: s.sessions, views: views, mfa: mfa, audit: record, log: log, now: utcNow}
	s.orgSec = orgSecurity{db: d.DB, sessions: s.sessions, views: views, audit: record}
	s.orgs = orgPages{db: d.DB, authn: s.authn, sessions: s.sessions, views: views, mail: s.mail, audit: record, now: utcNow}
	s.mail.audit = auditLog
	s.accounts = accounts{db: d.DB, sessions: s.sessions, views: views, log: log, mail: s.mail, gate: s.mfaGate, audit: record}
	s.settings = settings{db: d.DB, sessions: s.sessions, views: views, log: log, audit: record, trail: auditLog}
	s.dashboard = dashboard{db: d.DB, views: views, sync: taskSync{db: d.DB, api: api, log: log}, maxUpload: d.Config.MaxUploadBytes}
	s.uploads = uploads{db: d.DB, api: api, dash: s.dashboard, limit: bodyLimit, log: log}
	s.tasks = tasks{db: d.DB, api: api, views: views, hub: d.Hub, stop: s.stop, log: log, metrics: d.Metrics}
	s.rules = rulePages{db: d.DB, api: api, views: views}
	s.usagePage = usagePages{api: api, views: views}
	s.orgAudit = orgAudit{db: d.DB, api: api, views: views, log: log}
	s.exports = exportPages{views: views, exports: &export.Exports{DB: d.DB, Blobs: d.Blobs, API: apiTenantSource{api: api},
		Audit: auditLog, Outbox: s.mail.outbox, Queue: d.Mail, LinkTTL: d.Config.ExportLinkTTL, Log: log}}
	// An organization's deletion deletes its exports' zips too.
	s.lifecycle = &lifecycle.Deletions{DB: d.DB, Audit: auditLog, Outbox: s.mail.outbox, Queue: d.Mail,
		API: exportPurger{exports: s.exports.exports, next: apiTenantPurger{api: api}}, Grace: d.Config.DeletionGracePeriod, Log: log}
	s.deletions = deletionPages{deletions: s.lifecycle, sessions: s.sessions, views: views}
	s.admin = &adminPages{db: d.DB, views: views, api: api, redis: d.Redis, ns: d.Config.RedisNamespace,
		probes: s.probes, audit: record, mail: s.mail, mfa: mfa, sessions: s.sessions, support: s.authn.support,
		requireMFA: d.Config.Production(), planChanged: s.planChanged, log: log}
	s.support = supportSettings{db: d.DB, views: views, audit: record, now: utcNow}
	s.apiKeys = apiKeyPages{api: api, views: views, now: time.Now, audit: record}
	s.hookPages = webhookPages{api: api, views: views}
	s.webhooks = webhooks{db: d.DB, secret: d.Config.WebhookSecret, now: time.Now, outbox: s.mail.outbox, queue: d.Mail}
	s.plans = planSync{db: d.DB, api: api, log: log}
	go s.plans.loop(s.stop)
	s.setupBilling(d, auditLog, log)
	s.oidc = &oidcFlow{db: d.DB, sessions: s.sessions, views: views, now: time.Now, audit: oidcEvents(record), gate: s.mfaGate}
	if d.Config.OIDC.Enabled() {
		s.oidc.provider = newOIDCProvider(d.Config.OIDC, d.Config.WebURL)
	}

	s.limits = newLimits(d.Limiter, proxies, d.Config.RateLimitAuthPer15m, log)
	s.hsts = strictTransport(d.Config.Production())

	cfg := fiber.Config{
		AppName:      "assay-web",
		Views:        views.engine,
		ErrorHandler: s.handleError,
		// Bodies are streamed so uploads go to the API as they arrive; every route that
		// reads a body bounds it itself (limitBody, or the upload's own limit).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    int(min(bodyLimit, int64(^uint(0)>>1))),
		ReadBufferSize:               16 << 10,
	}
	proxies.Configure(&cfg)
	s.app = fiber.New(cfg)
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

// Deletions carries out scheduled account and organization deletions (the lifecycle
// sweep calls its RunDue).
func (s *Server) Deletions() *lifecycle.Deletions { return s.lifecycle }

// Exports builds and expires organization exports (its Start runs them in the
// background).
func (s *Server) Exports() *export.Exports { return s.exports.exports }

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
