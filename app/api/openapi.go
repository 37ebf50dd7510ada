package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v3"
)

// openAPIDoc is the OpenAPI 3.1 document of this API, written by hand: every route in
// routes.go and every JSON shape the handlers write. Tests validate each request and
// response they make against it.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument returns a copy of the API's OpenAPI 3.1 document (JSON).
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDoc...) }

// openAPIHandler serves the document with a strong ETag, so clients may cache it and
// revalidate it for free.
func openAPIHandler() fiber.Handler {
	sum := sha256.Sum256(openAPIDoc)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	return func(c fiber.Ctx) error {
		c.Set(fiber.HeaderETag, etag)
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		if matchesETag(c.Get(fiber.HeaderIfNoneMatch), etag) {
			return c.SendStatus(fiber.StatusNotModified)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(openAPIDoc)
	}
}

// matchesETag reports whether an If-None-Match header names etag (or is "*").
func matchesETag(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}
