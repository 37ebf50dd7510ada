package web

import (
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/fiber/v3/middleware/requestid"
	"github.com/gofiber/fiber/v3/middleware/static"

	"github.com/assayhq/assay/app/webhook"
	staticfs "github.com/assayhq/assay/static"
)

// staticMaxAge is how long browsers keep /static files (seconds).
const staticMaxAge = 7 * 24 * 3600

// routes is the one route table of the web app.
func (s *Server) routes(app *fiber.App) {
	app.Use(requestid.New(), recover.New(), closeUnreadBodies, securityHeaders)

	app.Get("/healthz", healthz)
	app.Get("/.well-known/jwks.json", s.jwks)
	app.Use("/static", static.New("", static.Config{
		FS: staticfs.FS, MaxAge: staticMaxAge,
		// Embedded files have no modification time; a year-1 Last-Modified helps no one.
		ModifyResponse: func(c fiber.Ctx) error {
			c.Response().Header.Del(fiber.HeaderLastModified)
			return nil
		},
	}))

	// Machine to machine: signed, no session, no CSRF.
	app.Post(webhook.TaskPath, limitBody(maxWebhookBody), s.webhooks.receive)

	// Browser routes: a bounded form body, the session, CSRF on every unsafe method.
	form := limitBody(maxFormBody)
	sess := s.sessions.load
	signedIn := s.authn.require

	app.Get("/", sess, redirectIfSignedIn, s.landing)
	app.Get("/signup", sess, redirectIfSignedIn, s.accounts.signupForm)
	app.Post("/signup", form, sess, csrf, s.accounts.signup)
	app.Get("/login", sess, redirectIfSignedIn, s.accounts.loginForm)
	app.Post("/login", form, sess, csrf, s.accounts.login)
	app.Post("/logout", form, sess, csrf, s.accounts.logout)

	app.Get("/dashboard", sess, signedIn, s.dashboard.show)
	// The upload reads its own body as a stream, within the app's BodyLimit.
	app.Post("/datasets", sess, csrfStreamed, signedIn, s.uploads.create)
	app.Get("/tasks/:id", sess, signedIn, s.tasks.show)
	app.Get("/tasks/:id/events", sess, signedIn, s.tasks.events)
	app.Get("/tasks/:id/report", sess, signedIn, s.tasks.report)

	// Anything else that reaches here is unknown: the error handler renders the 404 page.
	app.Use(func(c fiber.Ctx) error { return fiber.NewError(http.StatusNotFound) })
}

// landing is the start page for visitors.
func (s *Server) landing(c fiber.Ctx) error {
	return s.views.page(c, http.StatusOK, "pages/home", nil)
}
