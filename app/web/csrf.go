package web

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
)

// Where a CSRF token travels: htmx sends the header (hx-headers on <body>), plain forms
// the hidden field.
const (
	headerCSRF = "X-CSRF-Token"
	fieldCSRF  = "csrf_token"
)

var errCSRF = apperr.Forbidden("The form has expired or did not come from this site. Reload the page and try again.")

// csrf is middleware that rejects a state-changing request unless it carries the
// session's synchronizer token.
func csrf(c fiber.Ctx) error {
	if safeMethod(c.Method()) {
		return c.Next()
	}
	got := c.Get(headerCSRF)
	if got == "" && !isMultipart(c) {
		got = c.FormValue(fieldCSRF)
	}
	if !csrfMatches(c, got) {
		return errCSRF
	}
	return c.Next()
}

// csrfStreamed is csrf for streamed multipart forms: when the header is absent, the
// check moves into the handler, which must read the csrf_token part first and call
// checkStreamedCSRF before acting on anything else in the body.
func csrfStreamed(c fiber.Ctx) error {
	if got := c.Get(headerCSRF); got != "" || !isMultipart(c) {
		if !csrfMatches(c, got) {
			return errCSRF
		}
		return c.Next()
	}
	c.Locals(localCSRFPending, true)
	return c.Next()
}

// csrfPending reports whether the handler still has to check a token from the body.
func csrfPending(c fiber.Ctx) bool {
	p, _ := c.Locals(localCSRFPending).(bool)
	return p
}

// checkStreamedCSRF checks a token read from the body.
func checkStreamedCSRF(c fiber.Ctx, got string) error {
	if !csrfMatches(c, got) {
		return errCSRF
	}
	c.Locals(localCSRFPending, false)
	return nil
}

func csrfMatches(c fiber.Ctx, got string) bool {
	ws := sessionOf(c)
	if ws == nil || got == "" {
		return false
	}
	want := ws.csrf()
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func safeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return true
	}
	return false
}

func isMultipart(c fiber.Ctx) bool {
	return strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm)
}
