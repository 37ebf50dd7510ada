package api

import (
	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/fiber/v3/middleware/requestid"
)

// routes is the one route table of the API.
func (s *Server) routes(app *fiber.App) {
	app.Use(closeUnreadBody, requestid.New(), recover.New(), securityHeaders)

	app.Get("/v1/health", s.health.show)

	v1 := app.Group("/v1/api", s.auth.authenticate)
	v1.Post("/datasets", s.datasets.create)
	v1.Get("/datasets", s.datasets.list)
	v1.Get("/datasets/:id", s.datasets.show)
	v1.Delete("/datasets/:id", s.datasets.delete)

	v1.Post("/tasks", s.tasks.create)
	v1.Get("/tasks", s.tasks.list)
	v1.Get("/tasks/:id", s.tasks.show)
	v1.Post("/tasks/:id/cancel", s.tasks.cancel)
	v1.Get("/tasks/:id/events", s.events.stream)
	v1.Get("/tasks/:id/report", s.reports.show)
}
