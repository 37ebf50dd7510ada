package web

import (
	"fmt"
	"io"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
)

// contentSecurityPolicy allows nothing inline: no inline scripts, no style attributes.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// maxFormBody bounds the urlencoded forms (login, signup, logout).
const maxFormBody = 64 << 10

// hstsValue keeps browsers on HTTPS for two years, subdomains included.
const hstsValue = "max-age=63072000; includeSubDomains"

// strictTransport sends HSTS when on: in production, which is served over HTTPS only
// (a development server on plain http must not pin browsers to https).
func strictTransport(on bool) fiber.Handler {
	return func(c fiber.Ctx) error {
		if on {
			c.Set(fiber.HeaderStrictTransportSecurity, hstsValue)
		}
		return c.Next()
	}
}

// securityHeaders sets the headers every response carries.
func securityHeaders(c fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	return c.Next()
}

// limitBody reads a request body of at most n bytes before the handler runs. Request
// bodies are streamed (for uploads), so nothing else bounds them: a declared length
// over n is refused unread, a chunked body is read only up to n.
func limitBody(n int) fiber.Handler {
	return func(c fiber.Ctx) error {
		req := c.Request()
		cl := req.Header.ContentLength()
		if cl > n {
			return apperr.TooLarge(fmt.Sprintf("The request body is larger than %s.", humanBytes(int64(n))))
		}
		stream := req.BodyStream()
		if stream == nil || cl == 0 {
			return c.Next()
		}
		b, err := io.ReadAll(io.LimitReader(stream, int64(n)+1))
		if err != nil {
			return apperr.BadRequest("The request body could not be read.").WithErr(err)
		}
		if len(b) > n {
			return apperr.TooLarge(fmt.Sprintf("The request body is larger than %s.", humanBytes(int64(n))))
		}
		req.SetBody(b)
		return c.Next()
	}
}

// maxDrain is how much of an unread body is read and dropped before answering.
const maxDrain = 32 << 20

// closeUnreadBodies deals with a request whose streamed body was not read through
// limitBody: a handler or middleware that answered early (a redirect to /login, a CSRF
// failure, an upload cut short) leaves the rest on the wire, where it would be read as the
// next request. Up to maxDrain of it is read first, since a browser still sending a file
// often misses an answer sent before it is done; then the connection is closed.
func closeUnreadBodies(c fiber.Ctx) error {
	err := c.Next()
	req := c.Request()
	if cl := req.Header.ContentLength(); cl != 0 && cl != -2 && req.BodyStream() != nil {
		_, _ = io.CopyN(io.Discard, req.BodyStream(), maxDrain)
		c.RequestCtx().SetConnectionClose()
	}
	return err
}
