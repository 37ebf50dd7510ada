package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/requestid"

	"github.com/assayhq/assay/app/apperr"
)

// mimeProblem is the media type of RFC 9457 problem details.
const mimeProblem = "application/problem+json"

// problem is an RFC 9457 problem details document.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// handleError is the API's one error handler: every failure becomes problem+json.
func (s *Server) handleError(c fiber.Ctx, err error) error {
	e := toAppErr(err)
	title, detail := e.Public()
	if e.Status >= http.StatusInternalServerError && detail == "" {
		detail = "an internal error occurred"
	}
	level := slog.LevelWarn
	if e.Status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.Context(), level, "api: request failed",
		slog.Int("status", e.Status),
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.String("request_id", requestid.FromContext(c)),
		slog.String("error", err.Error()),
	)
	if e.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="assay"`)
	}
	c.Response().Header.Del(fiber.HeaderContentDisposition)
	return c.Status(e.Status).JSON(problem{Type: "about:blank", Title: title, Status: e.Status, Detail: detail}, mimeProblem)
}

// toAppErr maps any error, including Fiber's own (404 route, 405, 413), to an *apperr.Error.
func toAppErr(err error) *apperr.Error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if fe.Code >= http.StatusInternalServerError {
			return &apperr.Error{Status: fe.Code, Detail: "an internal error occurred", Err: err}
		}
		return &apperr.Error{Status: fe.Code, Detail: fe.Message, Err: err}
	}
	return apperr.From(err)
}

// securityHeaders sets the headers that matter for a JSON API.
func securityHeaders(c fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
	c.Set("Cross-Origin-Resource-Policy", "same-origin")
	return c.Next()
}
