package api

import (
	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/fiber/v3/middleware/requestid"
)

// routes is the one route table of the API.
func (s *Server) routes(app *fiber.App) {
	app.Use(closeUnreadBody, requestid.New(), s.observe, recover.New(), securityHeaders, s.hsts, auditRequest)

	app.Get(pathLive, s.health.probes.Live)
	app.Get(pathReady, s.health.probes.Ready)
	app.Get("/v1/health", s.health.show) // readiness, under its older name
	app.Get("/v1/openapi.json", openAPIHandler())

	// Failed authentications count per client IP, before any lookup; the rest per caller.
	v1 := app.Group("/v1/api", s.limits.guard, s.auth.authenticate, s.limits.perCaller, requireScope, s.idem.handle)
	v1.Post("/datasets", s.datasets.create)
	v1.Get("/datasets", s.datasets.list)
	v1.Get("/datasets/:id", s.datasets.show)
	v1.Delete("/datasets/:id", s.datasets.delete)
	v1.Get("/datasets/:id/rules", s.ruleSets.show)
	v1.Put("/datasets/:id/rules", s.ruleSets.replace)

	v1.Post("/tasks", s.tasks.create)
	v1.Get("/tasks", s.tasks.list)
	v1.Get("/tasks/:id", s.tasks.show)
	v1.Post("/tasks/:id/cancel", s.tasks.cancel)
	v1.Get("/tasks/:id/events", s.events.stream)
	v1.Get("/tasks/:id/report", s.reports.show)
	v1.Get("/usage", s.usage.show)

	v1.Post("/webhook-endpoints", s.webhooks.create)
	v1.Get("/webhook-endpoints", s.webhooks.list)
	v1.Get("/webhook-endpoints/:id", s.webhooks.show)
	v1.Patch("/webhook-endpoints/:id", s.webhooks.update)
	v1.Delete("/webhook-endpoints/:id", s.webhooks.delete)
	v1.Post("/webhook-endpoints/:id/rotate-secret", s.webhooks.rotate)
	v1.Post("/webhook-endpoints/:id/test", s.webhooks.test)
	v1.Get("/webhook-endpoints/:id/deliveries", s.webhooks.deliveries)
	v1.Post("/webhook-deliveries/:id/redeliver", s.webhooks.redeliver)

	// The web app's calls as itself (plan pushes, deletions, the backoffice): service
	// tokens only; handlers scope each query to a tenant or the system explicitly.
	service := app.Group("/v1/internal/service", s.auth.authenticateService)
	service.Get("/admin/stats", s.admin.stats)
	service.Delete("/tenants/:org_id", s.purge.purge)
	service.Get("/tenants/:org_id/export", s.export.stream)
	service.Put("/tenants/:org_id/plan", s.plans.put)
	service.Put("/tenants/:org_id/suspension", s.suspension.put)
	service.Get("/admin/tasks", s.admin.tasks)
	service.Get("/admin/webhook-deliveries", s.admin.webhookDeliveries)
	service.Post("/admin/tasks/:id/cancel", s.admin.cancel)
	service.Post("/admin/tasks/:id/retry", s.admin.retry)
	service.Get("/audit", s.auditLog.all)

	// The web app's own calls: its users' tokens only, never API keys. Registered after
	// the service group, whose paths this prefix also matches.
	internal := app.Group("/v1/internal", s.limits.guard, s.auth.authenticateWeb, s.limits.perCaller)
	internal.Get("/api-keys", s.apiKeys.list)
	internal.Post("/api-keys", s.apiKeys.create)
	internal.Post("/api-keys/:id/revoke", s.apiKeys.revoke)
	internal.Get("/audit", s.auditLog.list)
}
