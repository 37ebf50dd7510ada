package jobs

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
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
	// DefaultDeadline is how long a task may run before the reconciler fails it.
	DefaultDeadline = time.Hour
)

func (o PoolOptions) withDefaults() PoolOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
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
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	return d
}

// now is the clock of every lease, backoff and deadline: UTC, as stored.
func now() time.Time { return time.Now().UTC() }
