package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v3"
)

// maxNextLen bounds a redirect target taken from a request.
const maxNextLen = 2048

// localPath returns target when it is a path on this site, and "" otherwise. Every
// redirect whose target comes from the request (?next=) goes through it. A local path
// starts with one "/" — not "//" or "/\", which browsers read as another host — holds
// no backslash or control character (browsers turn "\" into "/" and drop tabs and
// newlines), and parses without a scheme or host.
func localPath(target string) string {
	if target == "" || len(target) > maxNextLen || target[0] != '/' {
		return ""
	}
	if len(target) > 1 && (target[1] == '/' || target[1] == '\\') {
		return ""
	}
	for i := 0; i < len(target); i++ {
		if b := target[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return ""
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return target
}

// returnAfterLogin sends a signed-out visitor to the login page with the requested
// address as next=, so signing in (and any MFA step) ends where they meant to go.
func returnAfterLogin(c fiber.Ctx) error {
	if sessionOf(c).str(keyUserID) != "" {
		return c.Next()
	}
	return redirect(c, "/login?next="+url.QueryEscape(string(c.Request().URI().RequestURI())))
}
