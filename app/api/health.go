package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gomodule/redigo/redis"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

const healthTimeout = 2 * time.Second

// healthHandlers answer liveness and readiness probes.
type healthHandlers struct {
	db    *entapi.Client
	redis *platform.Redis
	log   *slog.Logger
}

type healthView struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// show pings the database and Redis; any failure answers 503 naming the failed check.
func (h healthHandlers) show(c fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.Context(), healthTimeout)
	defer cancel()
	v := healthView{Status: "ok", Checks: map[string]string{}}
	for name, check := range map[string]func(context.Context) error{
		"database": h.pingDB,
		"redis":    h.pingRedis,
	} {
		v.Checks[name] = "ok"
		if err := check(ctx); err != nil {
			h.log.WarnContext(ctx, "api: health check failed", "check", name, "error", err)
			v.Checks[name] = "error"
			v.Status = "error"
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if v.Status != "ok" {
		c.Status(fiber.StatusServiceUnavailable)
	}
	return c.JSON(v)
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
	conn, err := h.redis.Pool.GetContext(ctx)
	if err != nil {
		return fmt.Errorf("health: redis: %w", err)
	}
	defer conn.Close()
	if _, err := redis.DoContext(conn, ctx, "PING"); err != nil {
		return fmt.Errorf("health: redis: %w", err)
	}
	return nil
}
