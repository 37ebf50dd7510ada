package jobs

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/netguard"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	_ "github.com/assayhq/assay/ent/api/runtime" // defaults, tenant hooks and interceptors of the schema
)

// Deps are what a Pool needs from the rest of the process.
type Deps struct {
	DB            *entapi.Client
	Redis         *platform.Redis
	Namespace     string
	Blobs         platform.Blobs
	Events        *events.Publisher // nil: no live events
	WebURL        string            // the web app's base URL; notify posts to WebURL+webhook.TaskPath
	WebhookSecret string
	HTTP          *http.Client // nil: a client with a 30 s timeout
	Log           *slog.Logger
	// Fetcher downloads URL datasets; nil: one with the defaults, public addresses only.
	Fetcher *ingest.Fetcher
	// MaxRunning is how many tasks of an organization run at once; nil:
	// DefaultMaxRunningPerOrg. The API's Client must use the same (Client.LimitOrgs).
	MaxRunning OrgLimit
	// Tracer records a span per stage run, continuing the trace in the job's args; nil
	// records none.
	Tracer trace.TracerProvider
	// Metrics records stage durations and failures, queue latency and webhook
	// deliveries; nil records nothing.
	Metrics *telemetry.Metrics
	// Sealer opens the signing secrets of organizations' webhook endpoints; nil: no
	// endpoint delivery can be signed, so none is sent.
	Sealer *webhook.Sealer
	// EndpointHTTP posts to organizations' endpoints; nil: a guarded client (public
	// addresses and EndpointAllowedPrivate only, no redirects, 10 s timeout).
	EndpointHTTP *http.Client
	// EndpointAllowedPrivate are private ranges endpoints may nevertheless be at
	// (ALLOWED_PRIVATE_ADDRESSES).
	EndpointAllowedPrivate []netip.Prefix
	// Clock is the time of webhook deliveries (tests move it); nil: the system clock.
	Clock func() time.Time
}

// PoolOptions tune a Pool. Zero values select the defaults.
type PoolOptions struct {
	// Concurrency is the number of workers (default 4).
	Concurrency int
	// Reconcile runs the reconciler in this pool; a Redis lock keeps one active per
	// namespace, so every pool may ask for it.
	Reconcile bool
	// ChunkRows is the chunk size fetch uses when it has to scan a dataset whose layout
	// is missing (default report.DefaultChunkRows).
	ChunkRows int
	// MaxSourceBytes bounds a URL dataset's download (default 256 MiB); an organization's
	// plan may lower it.
	MaxSourceBytes int64
	// Lease is how long a claim lasts without renewal (default 30 s); it is renewed
	// every Lease/3 while the stage runs.
	Lease time.Duration
	// StageTimeout bounds one attempt of a stage (default 10 min); the task deadline
	// bounds it too.
	StageTimeout time.Duration
	// ReconcileEvery is the reconciler's period (default 5 s).
	ReconcileEvery time.Duration
	// RedispatchAfter is how long a queued step may sit unclaimed past its available_at
	// before the reconciler enqueues it again (default 10 s).
	RedispatchAfter time.Duration
}

// Defaults of PoolOptions and task creation.
const (
	DefaultConcurrency     = 4
	DefaultLease           = 30 * time.Second
	DefaultStageTimeout    = 10 * time.Minute
	DefaultReconcileEvery  = 5 * time.Second
	DefaultRedispatchAfter = 10 * time.Second
	// DefaultMaxSourceBytes is the download limit of URL datasets.
	DefaultMaxSourceBytes = 256 << 20
	// DefaultDeadline is how long a task may run before the reconciler fails it.
	DefaultDeadline = time.Hour
	// MinDeadline and MaxDeadline bound the deadline a task may ask for.
	MinDeadline = 10 * time.Second
	MaxDeadline = 24 * time.Hour
)

func (o PoolOptions) withDefaults() PoolOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxSourceBytes <= 0 {
		o.MaxSourceBytes = DefaultMaxSourceBytes
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.StageTimeout <= 0 {
		o.StageTimeout = DefaultStageTimeout
	}
	if o.ReconcileEvery <= 0 {
		o.ReconcileEvery = DefaultReconcileEvery
	}
	if o.RedispatchAfter <= 0 {
		o.RedispatchAfter = DefaultRedispatchAfter
	}
	return o
}

func (d Deps) withDefaults() Deps {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Fetcher == nil {
		d.Fetcher = ingest.NewFetcher(ingest.FetchOptions{})
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if d.MaxRunning == nil {
		d.MaxRunning = FixedOrgLimit(DefaultMaxRunningPerOrg)
	}
	if d.EndpointHTTP == nil {
		d.EndpointHTTP = netguard.NoRedirectClient(netguard.New(d.EndpointAllowedPrivate), deliveryTimeout)
	}
	if d.Clock == nil {
		d.Clock = now
	}
	return d
}

// now is the clock of every lease, backoff and deadline: UTC, as stored.
func now() time.Time { return time.Now().UTC() }
