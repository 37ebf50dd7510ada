package auth

import (
	"errors"
	"strings"
)

// RoleService is the role of the web app's own service tokens: calls it makes as itself,
// not for a signed-in user (plan pushes, deletions, the backoffice). Such tokens carry no
// organization; user tokens always carry one, so neither passes for the other.
const RoleService = "service"

// servicePrefix starts the subject of a service token.
const servicePrefix = "service:"

// MintService returns a token for a call the web app makes as itself; purpose names the
// caller in the API's logs ("plan-push", "admin", …).
func (s *Signer) MintService(purpose string) (string, error) {
	if purpose == "" || strings.ContainsAny(purpose, " :") {
		return "", errors.New("auth: mint service: purpose must be one word")
	}
	return s.sign(Claims{RegisteredClaims: s.registered(servicePrefix + purpose), Role: RoleService})
}

// IsService reports whether verified claims are a service token, and its purpose.
func (c *Claims) IsService() (purpose string, ok bool) {
	purpose, ok = strings.CutPrefix(c.Subject, servicePrefix)
	return purpose, ok && c.Role == RoleService && c.OrgID == "" && purpose != ""
}
