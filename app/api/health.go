package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

// Probe paths: liveness checks nothing, readiness the database and Redis.
const (
	pathLive  = "/livez"
	pathReady = "/readyz"
)

// probePaths get no access log line: orchestrators poll them every few seconds.
var probePaths = map[string]bool{pathLive: true, pathReady: true, "/v1/health": true}

// healthHandlers answer liveness and readiness probes.
type healthHandlers struct {
	db     *entapi.Client
	redis  *platform.Redis
	probes telemetry.Probes
}

func newHealth(db *entapi.Client, rds *platform.Redis, log *slog.Logger) healthHandlers {
	h := healthHandlers{db: db, redis: rds}
	h.probes = telemetry.Probes{Log: log, Checks: map[string]telemetry.Check{
		"database": h.pingDB,
		"redis":    h.pingRedis,
	}}
	return h
}

func (h healthHandlers) pingDB(ctx context.Context) error {
	if h.db == nil {
		return errors.New("health: no database")
	}
	// Tenant is not tenant-scoped: one cheap indexed read proves the pool works.
	if _, err := h.db.Tenant.Query().Limit(1).IDs(tenant.System(ctx)); err != nil {
		return fmt.Errorf("health: database: %w", err)
	}
	return nil
}

func (h healthHandlers) pingRedis(ctx context.Context) error {
	if h.redis == nil {
		return errors.New("health: no redis")
	}
	return h.redis.Ping(ctx)
}

// show is /v1/health: readiness in the shape the OpenAPI document gives it, status and
// checks only.
func (h healthHandlers) show(c fiber.Ctx) error {
	v := h.probes.Run(c.Context())
	v.Failing = nil
	c.Set(fiber.HeaderCacheControl, "no-store")
	if v.Status != "ok" {
		c.Status(fiber.StatusServiceUnavailable)
	}
	return c.JSON(v)
}
