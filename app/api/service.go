package api

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/auth"
)

var errNotService = apperr.Forbidden("/v1/internal/service serves the web app's service calls only")

// authenticateService accepts only the web app's service tokens (auth.Signer.MintService):
// API keys and user tokens get 403. The request context carries no tenant: each handler
// scopes its queries with tenant.With or tenant.System itself.
func (a *authenticator) authenticateService(c fiber.Ctx) error {
	token, ok := bearer(c.Get(fiber.HeaderAuthorization))
	if !ok {
		return errBadCredentials
	}
	if _, isKey := auth.APIKeyPrefix(token); isKey || a.verifier == nil {
		return errNotService
	}
	claims, err := a.verifier.Verify(c.Context(), token)
	if errors.Is(err, auth.ErrKeysUnavailable) {
		return apperr.Unavailable("tokens cannot be verified right now; retry shortly", err)
	}
	if err != nil {
		return errBadCredentials.WithErr(err)
	}
	purpose, ok := claims.IsService()
	if !ok {
		return errNotService
	}
	c.Locals(localCaller, "service:"+purpose)
	return c.Next()
}
