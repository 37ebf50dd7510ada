package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/org"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths of switching and creating organizations.
const (
	pathOrgs       = "/orgs"
	pathOrgsSwitch = "/orgs/switch"
)

// lost answers a request whose user or membership is gone. A user removed from the
// session's organization who still belongs to another is moved to the oldest of those
// (with a new session id) and sent to its dashboard; anyone else is logged out.
func (a authn) lost(c fiber.Ctx, userID string) error {
	ctx := c.Context()
	u, err := a.db.User.Get(ctx, userID)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: load user: %w", err)
	}
	if u != nil && u.DisabledAt == nil {
		orgs, err := org.Memberships(ctx, a.db, userID)
		if err != nil {
			return fmt.Errorf("web: load organizations: %w", err)
		}
		if len(orgs) > 0 {
			sessionOf(c).sess.Values[keyOrgID] = orgs[0].OrgID
			if err := a.sessions.renew(c); err != nil {
				return err
			}
			return redirect(c, "/dashboard")
		}
	}
	if err := a.sessions.logout(c); err != nil {
		return err
	}
	return redirect(c, "/login")
}

// switchOrg makes another of the user's organizations the current one: a change of
// privilege, so the session gets a new id. An organization the user does not belong to
// answers 404, as if it did not exist.
func (h orgPages) switchOrg(c fiber.Ctx) error {
	m := memberOf(c)
	orgID := c.FormValue("org_id")
	if _, err := org.RoleIn(c.Context(), h.db, m.UserID, orgID); err != nil {
		if errors.Is(err, org.ErrNotMember) {
			return apperr.NotFound("organization")
		}
		return err
	}
	h.audit(c.Context(), audit.Event{Name: audit.OrgSwitched, OrgID: orgID, ActorID: m.UserID, Target: m.OrgID})
	return h.moveTo(c, orgID)
}

// create makes a new organization owned by the user and switches to it.
func (h orgPages) create(c fiber.Ctx) error {
	m := memberOf(c)
	o, err := org.Create(c.Context(), h.db, m.UserID, c.FormValue("name"))
	if errors.Is(err, org.ErrInvalidName) {
		return h.render(c, http.StatusUnprocessableEntity, orgPageState{
			Errors: map[string]string{"name": "Enter a name of at most 100 characters for the new organization."},
			Name:   c.FormValue("name"),
		})
	}
	if err != nil {
		return err
	}
	h.audit(c.Context(), audit.Event{Name: audit.OrgCreated, OrgID: o.ID, ActorID: m.UserID, Target: o.ID})
	return h.moveTo(c, o.ID)
}

// moveTo sets the session's organization and renews the session.
func (h orgPages) moveTo(c fiber.Ctx, orgID string) error {
	sessionOf(c).sess.Values[keyOrgID] = orgID
	if err := h.sessions.renew(c); err != nil {
		return err
	}
	return redirect(c, "/dashboard")
}
