// Package api is the public REST API: JSON under /v1/api, authenticated by API keys or
// short-lived JWTs from the web app, plus /v1/health.
package api

import (
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"
	"go.opentelemetry.io/otel/trace"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/netguard"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/webhook"
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
	// Limiter counts requests for the rate limits; nil turns them off.
	Limiter *ratelimit.Limiter
	// APIRate is the /v1/api quota per minute of a request, looked up per request (its
	// context carries the organization); nil means RATE_LIMIT_API_PER_MINUTE for everyone.
	APIRate ratelimit.RateFunc
	// Fetcher checks source URLs; nil builds one from Config.
	Fetcher *ingest.Fetcher
	// Audit records changes such as API keys created and revoked in the API database's
	// audit log; nil: the log of DB.
	Audit *audit.APILog
	// IdempotencyLease is how long an Idempotency-Key stays locked without renewal by its
	// request; zero means one minute.
	IdempotencyLease time.Duration
	// Tracer records a server span per request; nil records none.
	Tracer trace.TracerProvider
	// Metrics records request latencies and SSE connections; nil records nothing.
	Metrics *telemetry.Metrics
	// Drain, once started (at SIGTERM), makes readiness answer 503; nil never does.
	Drain *telemetry.Drain
	// Sealer seals the signing secrets of webhook endpoints; nil turns the endpoint
	// routes into 503s.
	Sealer *webhook.Sealer
	// Resolver looks up webhook endpoint hosts at registration; nil: the system's.
	Resolver netguard.Resolver
}

// Server is the API application.
type Server struct {
	app *fiber.App
	log *slog.Logger

	auth     *authenticator
	health   healthHandlers
	datasets datasetHandlers
	tasks    taskHandlers
	admin    adminHandlers
	purge    tenantPurgeHandlers
	export   tenantExportHandlers
	ruleSets ruleSetHandlers
	events   eventHandlers
	reports  reportHandlers
	apiKeys  apiKeyHandlers
	auditLog auditLogHandlers
	webhooks webhookHandlers
	limits   apiLimits
	idem     idempotency
	hsts     fiber.Handler
	observe  fiber.Handler

	// upgradeURL is the web app's pricing page, named by refusals over a plan limit.
	upgradeURL string
	usage      usageHandlers
	plans      planPushHandlers
	suspension suspensionHandlers
}

// New builds the API with its routes and middleware.
func New(d Deps) *Server {
	// Every line logged with a request's context carries its request and trace ids.
	log := telemetry.ContextLogger(d.Log)
	if d.Fetcher == nil {
		d.Fetcher = NewFetcher(d.Config)
	}
	if d.Audit == nil {
		d.Audit = audit.NewAPILog(d.DB, log)
	}
	s := &Server{
		log:    log,
		auth:   newAuthenticator(d.DB, d.Verifier, log),
		health: newHealth(d.DB, d.Redis, log),
		datasets: datasetHandlers{
			db: d.DB, store: ingest.Store{Blobs: d.Blobs, ChunkRows: d.Config.ChunkRows},
			fetcher: d.Fetcher, maxBytes: d.Config.MaxUploadBytes, log: log, audit: d.Audit,
		},
		tasks:    taskHandlers{db: d.DB, jobs: d.Jobs, deadline: d.Config.TaskDeadline, audit: d.Audit},
		admin:    adminHandlers{db: d.DB, jobs: d.Jobs, audit: d.Audit},
		purge:    tenantPurgeHandlers{db: d.DB, blobs: d.Blobs, log: log},
		export:   tenantExportHandlers{db: d.DB, blobs: d.Blobs, log: log},
		ruleSets: ruleSetHandlers{db: d.DB, audit: d.Audit},
		events:   eventHandlers{db: d.DB, hub: d.Hub, heartbeat: 15 * time.Second, metrics: d.Metrics},
		reports:  reportHandlers{db: d.DB},
		apiKeys:  apiKeyHandlers{db: d.DB, audit: d.Audit, now: time.Now},
		auditLog: auditLogHandlers{db: d.DB},
		webhooks: newWebhookHandlers(d),
		hsts:     strictTransport(d.Config.Production()),
		idem:     newIdempotency(d.DB, d.Config.MaxUploadBytes, d.IdempotencyLease, d.Sealer, log),
		observe: telemetry.HTTP{App: "api", Tracer: d.Tracer, Metrics: d.Metrics, Log: log,
			Quiet: probePaths}.Handler(),
	}
	s.health.probes.Drain = d.Drain
	rate := d.APIRate
	if rate == nil {
		rate = ratelimit.Fixed(d.Config.RateLimitAPIPerMinute)
	}
	rate = planRate(rate) // a caller's plan sets its rate once known
	s.upgradeURL = strings.TrimRight(d.Config.WebURL, "/") + "/pricing"
	s.usage = usageHandlers{db: d.DB, now: time.Now}
	s.plans = planPushHandlers{db: d.DB, auth: s.auth, audit: d.Audit}
	s.suspension = suspensionHandlers{db: d.DB, now: time.Now}
	proxies, err := ratelimit.ParseProxies(d.Config.TrustedProxies)
	if err != nil { // config.Validate has refused this already; trust no one
		log.Error("api: trusted proxies", slog.Any("error", err))
	}
	s.limits = newAPILimits(d.Limiter, proxies, rate, log)
	cfg := fiber.Config{
		AppName: "assay-api",
		// Uploads are streamed to blob storage, never held in memory; the handlers enforce
		// the size limit themselves because a streamed body bypasses fasthttp's check.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    bodyLimit(d.Config.MaxUploadBytes),
		ErrorHandler:                 s.handleError,
		IdleTimeout:                  2 * time.Minute,
	}
	proxies.Configure(&cfg)
	s.app = fiber.New(cfg)
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
