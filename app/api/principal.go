package api

import (
	"fmt"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/apperr"
)

// principal is who made an authenticated request: an API key with its scopes, or a user
// of the web app with their role in the organization.
type principal struct {
	isKey  bool
	keyID  string   // the API key's id, the actor of its changes
	scopes []string // an API key's stored scopes (empty: a key from before scopes)
	userID string   // the web app's tokens
	role   string
	quota  quota // the plan limits the request is held to
}

type principalKey struct{}

// localPrincipal is the Locals key of the request's principal.
var localPrincipal = principalKey{}

func principalOf(c fiber.Ctx) principal {
	p, _ := c.Locals(localPrincipal).(principal)
	return p
}

var errKeyNotAllowed = apperr.Forbidden("API keys cannot call /v1/internal; it serves the web app only")

// requireScope sits after authentication on /v1/api: an API key needs the read scope for
// GET (server-sent events and reports included) and the write scope for anything else.
// The web app's tokens act for a signed-in user and are not scoped.
func requireScope(c fiber.Ctx) error {
	p := principalOf(c)
	if !p.isKey {
		return c.Next()
	}
	need := apikeys.ScopeWrite
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		need = apikeys.ScopeRead
	}
	if !apikeys.Allows(p.scopes, need) {
		return apperr.Forbidden(fmt.Sprintf("this API key lacks the %q scope that %s requests need", need, c.Method()))
	}
	return c.Next()
}

// allow refuses the request unless its user's role may do action (see package access).
// API keys never reach here: /v1/internal refuses them first.
func allow(c fiber.Ctx, action access.Action) error {
	p := principalOf(c)
	if p.isKey || !access.Can(p.role, action) {
		role := p.role
		if role == "" {
			role = "unknown"
		}
		return apperr.Forbidden(fmt.Sprintf("the %s role may not %s", role, actionText(action)))
	}
	return nil
}

func actionText(a access.Action) string {
	if a == access.ManageAPIKeys {
		return "manage API keys"
	}
	if a == access.ManageWebhooks {
		return "manage webhook endpoints"
	}
	return string(a)
}
