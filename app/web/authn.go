package web

import (
	"fmt"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
)

// member is the signed-in user acting in one organization.
type member struct {
	UserID  string
	Email   string
	OrgID   string
	OrgName string
	Plan    string
	Role    string
}

func memberOf(c fiber.Ctx) *member {
	a, _ := c.Locals(localAccount).(*member)
	return a
}

// authn loads the signed-in account for each request that needs one.
type authn struct {
	db       *entweb.Client
	sessions *sessionManager
}

// require is middleware: it loads the session's user and membership, scopes the request
// context to the organization, and sends anyone else to /login. A disabled user or a
// removed membership ends the session.
func (a authn) require(c fiber.Ctx) error {
	ws := sessionOf(c)
	userID, orgID := ws.str(keyUserID), ws.str(keyOrgID)
	if userID == "" || orgID == "" {
		return redirect(c, "/login")
	}
	acc, err := a.load(c, userID, orgID)
	if err != nil {
		return err
	}
	if acc == nil {
		if err := a.sessions.logout(c); err != nil {
			return err
		}
		return redirect(c, "/login")
	}
	c.Locals(localAccount, acc)
	c.SetContext(tenant.With(c.Context(), acc.OrgID))
	return c.Next()
}

// load returns the account, or nil when the user or membership is gone or disabled.
func (a authn) load(c fiber.Ctx, userID, orgID string) (*member, error) {
	ctx := c.Context()
	u, err := a.db.User.Get(ctx, userID)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: load user: %w", err)
	}
	if u.DisabledAt != nil {
		return nil, nil
	}
	m, err := a.db.Membership.Query().
		Where(membership.UserID(userID), membership.OrgID(orgID)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: load membership: %w", err)
	}
	o, err := a.db.Organization.Get(ctx, orgID)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: load organization: %w", err)
	}
	return &member{
		UserID: u.ID, Email: u.Email, OrgID: o.ID, OrgName: o.Name, Plan: o.Plan, Role: string(m.Role),
	}, nil
}

// redirectIfSignedIn sends a signed-in visitor from the landing, login and signup pages
// to the dashboard.
func redirectIfSignedIn(c fiber.Ctx) error {
	if ws := sessionOf(c); ws != nil && ws.str(keyUserID) != "" {
		return redirect(c, "/dashboard")
	}
	return c.Next()
}
