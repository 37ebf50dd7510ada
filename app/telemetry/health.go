package telemetry

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/gofiber/fiber/v3"
)

// CheckTimeout bounds each readiness check.
const CheckTimeout = 2 * time.Second

// Check is one dependency a process needs to serve: nil when it answers.
type Check func(ctx context.Context) error

// Probes answers liveness and readiness.
type Probes struct {
	// Checks are the dependencies readiness pings, by name ("database", "redis").
	Checks map[string]Check
	Log    *slog.Logger
	// Drain, once started, fails readiness with the check "shutdown".
	Drain *Drain
}

// ProbeView is the JSON body of a readiness answer.
type ProbeView struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
	// Failing names the dependencies that did not answer, sorted.
	Failing []string `json:"failing,omitempty"`
}

// Live answers 200 while the process runs; it checks no dependency, so a database outage
// never gets healthy processes restarted.
func (p Probes) Live(c fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(ProbeView{Status: "ok"})
}

// Ready pings every dependency, each within CheckTimeout, and answers 200, or 503 naming
// the failing ones.
func (p Probes) Ready(c fiber.Ctx) error {
	v := p.Run(c.Context())
	c.Set(fiber.HeaderCacheControl, "no-store")
	if v.Status != "ok" {
		c.Status(fiber.StatusServiceUnavailable)
	}
	return c.JSON(v)
}

// Run runs the checks concurrently.
func (p Probes) Run(ctx context.Context) ProbeView {
	type result struct {
		name string
		err  error
	}
	res := make(chan result, len(p.Checks))
	for name, check := range p.Checks {
		go func() {
			cctx, cancel := context.WithTimeout(ctx, CheckTimeout)
			defer cancel()
			res <- result{name, check(cctx)}
		}()
	}
	v := ProbeView{Status: "ok", Checks: map[string]string{}}
	for range p.Checks {
		r := <-res
		v.Checks[r.name] = "ok"
		if r.err != nil {
			v.Checks[r.name] = "error"
			v.Failing = append(v.Failing, r.name)
			if p.Log != nil {
				p.Log.WarnContext(ctx, "readiness check failed", "check", r.name, "error", r.err)
			}
		}
	}
	if p.Drain.Draining() {
		v.Checks[checkDraining] = "error"
		v.Failing = append(v.Failing, checkDraining)
	}
	if len(v.Failing) > 0 {
		v.Status = "error"
		sort.Strings(v.Failing)
	}
	return v
}
