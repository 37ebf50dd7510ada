package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/requestid"

	"github.com/assayhq/assay/app/apperr"
)

// errorPage is what the error page shows: nothing but safe text.
type errorPage struct {
	Status    int
	Title     string
	Message   string
	RequestID string
}

// friendly titles for the statuses people meet most.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "Not allowed",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusBadGateway:            "Service unavailable",
	http.StatusServiceUnavailable:    "Service unavailable",
}

// handleError is the web app's one error handler: a page, or its content alone for htmx;
// 5xx are logged as errors with the request id, 4xx as warnings.
func (s *Server) handleError(c fiber.Ctx, err error) error {
	e := toAppErr(err)
	level := slog.LevelWarn
	if e.Status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	rid := requestid.FromContext(c)
	s.log.LogAttrs(c.Context(), level, "web: request failed",
		slog.Int("status", e.Status),
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.String("error", err.Error()),
	)
	title, detail := e.Public()
	if t, ok := errorTitles[e.Status]; ok {
		title = t
	}
	p := errorPage{Status: e.Status, Title: title, Message: detail, RequestID: rid}
	switch {
	case e.Status == http.StatusNotFound:
		p.Message = "There is nothing at this address, or it is not yours to see."
	case e.Status >= http.StatusInternalServerError && e.Status != http.StatusBadGateway:
		p.Message = "An internal error occurred. Please try again; if it keeps happening, tell us the reference below."
	case p.Message == "":
		p.Message = http.StatusText(e.Status)
	}
	c.Response().Header.Del(fiber.HeaderContentDisposition)
	if rerr := s.views.page(c, e.Status, "pages/error", p); rerr != nil {
		s.log.ErrorContext(c.Context(), "web: render error page", slog.Any("error", rerr))
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(e.Status).SendString(title)
	}
	return nil
}

// toAppErr maps any error, Fiber's own included (404 route, 405, 413), to an *apperr.Error.
func toAppErr(err error) *apperr.Error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if fe.Code >= http.StatusInternalServerError {
			return apperr.Internal(err)
		}
		return &apperr.Error{Status: fe.Code, Err: err}
	}
	return apperr.From(err)
}
