package config

import (
	"errors"
	"time"
)

// Runtime tunes how processes stop and how the pipeline notices lost work.
type Runtime struct {
	// ShutdownTimeout is the grace a process gives itself on SIGTERM: servers finish
	// in-flight requests and workers let running stages finish within it; stages still
	// running at its end release their claims so another worker takes them at once.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"25s"`
	// ShutdownDelay is how long web and API keep serving, readiness already answering
	// 503, before they stop accepting connections: long enough for the load balancer to
	// notice. It is part of ShutdownTimeout.
	ShutdownDelay time.Duration `env:"SHUTDOWN_DELAY" envDefault:"0s"`
	// JobLease is how long a worker's claim on a step lasts without renewal (it renews
	// every third of it). A killed worker's step runs again once its lease has expired.
	JobLease time.Duration `env:"JOB_LEASE" envDefault:"30s"`
	// JobReconcileEvery is how often the reconciler looks for expired leases, lost jobs,
	// stuck parents and runs past their deadline.
	JobReconcileEvery time.Duration `env:"JOB_RECONCILE_EVERY" envDefault:"5s"`
	// JobRedispatchAfter is how long a queued step may wait unclaimed before the
	// reconciler enqueues its job again (Redis lost it).
	JobRedispatchAfter time.Duration `env:"JOB_REDISPATCH_AFTER" envDefault:"10s"`
}

// validate accepts zero (the built-in default) or sensible positive values.
func (r Runtime) validate() []error {
	var errs []error
	if r.ShutdownTimeout < 0 || r.ShutdownTimeout > 10*time.Minute {
		errs = append(errs, errors.New("SHUTDOWN_TIMEOUT must be between 0 and 10m"))
	}
	if r.ShutdownDelay < 0 || r.ShutdownDelay >= r.Grace() {
		errs = append(errs, errors.New("SHUTDOWN_DELAY must be at least 0 and shorter than SHUTDOWN_TIMEOUT"))
	}
	if r.JobLease != 0 && (r.JobLease < time.Second || r.JobLease > time.Hour) {
		errs = append(errs, errors.New("JOB_LEASE must be between 1s and 1h"))
	}
	if r.JobReconcileEvery != 0 && (r.JobReconcileEvery < 100*time.Millisecond || r.JobReconcileEvery > time.Hour) {
		errs = append(errs, errors.New("JOB_RECONCILE_EVERY must be between 100ms and 1h"))
	}
	if r.JobRedispatchAfter != 0 && (r.JobRedispatchAfter < 100*time.Millisecond || r.JobRedispatchAfter > time.Hour) {
		errs = append(errs, errors.New("JOB_REDISPATCH_AFTER must be between 100ms and 1h"))
	}
	return errs
}

// Grace is the shutdown grace: ShutdownTimeout, or 25s when it is zero.
func (r Runtime) Grace() time.Duration {
	if r.ShutdownTimeout <= 0 {
		return 25 * time.Second
	}
	return r.ShutdownTimeout
}
