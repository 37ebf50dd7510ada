package telemetry

import "sync/atomic"

// Drain marks a process that has begun shutting down. From then on readiness answers
// 503, so a load balancer sends new requests elsewhere while in-flight ones finish.
// The zero value is a process that is not draining; a nil *Drain never drains.
type Drain struct{ on atomic.Bool }

// Start marks the process as draining.
func (d *Drain) Start() {
	if d != nil {
		d.on.Store(true)
	}
}

// Draining reports whether Start has been called.
func (d *Drain) Draining() bool { return d != nil && d.on.Load() }

// checkDraining is the readiness check name a draining process fails.
const checkDraining = "shutdown"
