package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/usage"
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
	// Errors lists each problem of an invalid rule set.
	Errors []report.FieldError `json:"errors,omitempty"`
	// A refusal by a plan limit names it, its value and the usage, and where to upgrade.
	Limit      string `json:"limit,omitempty"`
	LimitValue *int64 `json:"limit_value,omitempty"`
	Usage      *int64 `json:"usage,omitempty"`
	UpgradeURL string `json:"upgrade_url,omitempty"`
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
		slog.String("error", err.Error()),
	)
	if e.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="assay"`)
	}
	c.Response().Header.Del(fiber.HeaderContentDisposition)
	p := problem{Type: "about:blank", Title: title, Status: e.Status, Detail: detail}
	if isSuspended(err) {
		p.Type = problemSuspended
	}
	if rse := (*report.RuleSetError)(nil); errors.As(err, &rse) {
		p.Errors = rse.Errors
	}
	if qe := (*usage.QuotaError)(nil); errors.As(err, &qe) {
		p.Limit, p.LimitValue, p.Usage, p.UpgradeURL = qe.Limit, &qe.LimitValue, &qe.Usage, s.upgradeURL
	}
	return c.Status(e.Status).JSON(p, mimeProblem)
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
	var rse *report.RuleSetError
	if errors.As(err, &rse) {
		return apperr.Invalid(rse.Error()).WithErr(err)
	}
	return apperr.From(err)
}

// strictTransport sends HSTS when on (production, which is served over HTTPS only).
func strictTransport(on bool) fiber.Handler {
	return func(c fiber.Ctx) error {
		if on {
			c.Set(fiber.HeaderStrictTransportSecurity, hstsValue)
		}
		return c.Next()
	}
}

// hstsValue keeps browsers on HTTPS for two years, subdomains included.
const hstsValue = "max-age=63072000; includeSubDomains"

// securityHeaders sets the headers that matter for a JSON API.
func securityHeaders(c fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
	c.Set("Cross-Origin-Resource-Policy", "same-origin")
	return c.Next()
}
