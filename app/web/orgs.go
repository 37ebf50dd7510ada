package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/org"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths and template of the organization settings.
const (
	pathSettingsOrg = "/settings/organization"
	pageSettingsOrg = "pages/settings_organization"
)

// Messages of the organization settings.
const (
	msgLastOwner   = "An organization needs an owner: make someone else an owner first."
	msgOrgRole     = "Choose a role: owner, admin or member."
	msgOrgNotAllow = "Your role in this organization does not allow this. Ask an owner or admin."
)

// orgPages are the organization settings: members and their roles, invitations,
// leaving, switching and creating organizations.
type orgPages struct {
	db       *entweb.Client
	authn    authn // who is signed in, on the invitation pages open to visitors
	sessions *sessionManager
	views    *renderer
	mail     *emailFlows
	audit    audit.Func
	now      func() time.Time
}

// orgPageState is what the last form left: its values, errors and outcome.
type orgPageState struct {
	Email, Role, Name string
	Errors            map[string]string
	Error             string // about the member list (the last owner)
	Notice            string
	Link              string // an invitation link just created, shown this once
	// NoSeats: the plan's seats are full; the form links to the pricing page.
	NoSeats bool
}

// orgPage is the organization settings page.
type orgPage struct {
	orgPageState
	CSRF      string
	OrgName   string
	MyRole    string
	CanInvite bool
	Roles     []string // the roles the signed-in user may give
	Members   []memberRow
	Invites   []inviteRow
}

// memberRow is one member as the list shows it.
type memberRow struct {
	org.Member
	You                  bool
	CanChange, CanRemove bool
}

// inviteRow is one pending invitation.
type inviteRow struct {
	ID, Email, Role string
	Expires         time.Time
	Uses, MaxUses   int
}

func (m *member) actor() org.Actor { return org.Actor{UserID: m.UserID, OrgID: m.OrgID, Role: m.Role} }

func (h orgPages) show(c fiber.Ctx) error {
	return h.render(c, http.StatusOK, orgPageState{Role: access.RoleMember})
}

// render answers the page with the form state st.
func (h orgPages) render(c fiber.Ctx, status int, st orgPageState) error {
	ctx := c.Context()
	m := memberOf(c)
	a := m.actor()
	p := orgPage{orgPageState: st, CSRF: sessionOf(c).csrf(), OrgName: m.OrgName, MyRole: m.Role, CanInvite: a.Can(access.Invite)}
	if p.Role == "" {
		p.Role = access.RoleMember
	}
	p.Roles = []string{access.RoleMember, access.RoleAdmin}
	if m.Role == access.RoleOwner {
		p.Roles = append(p.Roles, access.RoleOwner)
	}
	members, err := org.Members(ctx, h.db, m.OrgID)
	if err != nil {
		return err
	}
	for _, x := range members {
		p.Members = append(p.Members, memberRow{
			Member: x, You: x.UserID == m.UserID,
			CanChange: x.UserID != m.UserID && a.MayManage(access.ChangeRoles, x.Role),
			CanRemove: x.UserID != m.UserID && a.MayManage(access.RemoveMembers, x.Role),
		})
	}
	if p.CanInvite {
		invs, err := org.Pending(ctx, h.db, h.now())
		if err != nil {
			return err
		}
		for _, inv := range invs {
			p.Invites = append(p.Invites, inviteRow{ID: inv.ID, Email: inv.Email, Role: string(inv.Role),
				Expires: inv.ExpiresAt, Uses: inv.Uses, MaxUses: inv.MaxUses})
		}
	}
	return h.views.page(c, status, pageSettingsOrg, p)
}

// changeRole sets the role of the member :id.
func (h orgPages) changeRole(c fiber.Ctx) error {
	m := memberOf(c)
	target, role := c.Params("id"), c.FormValue("role")
	err := org.ChangeRole(c.Context(), h.db, m.actor(), target, role)
	if err != nil {
		return h.refused(c, err)
	}
	h.audit(c.Context(), audit.Event{Name: audit.MemberRoleChanged, OrgID: m.OrgID, ActorID: m.UserID, Target: target + ":" + role})
	if target == m.UserID {
		// The signed-in user's own privileges changed.
		if err := h.sessions.renew(c); err != nil {
			return err
		}
	}
	return redirect(c, pathSettingsOrg)
}

// remove takes the member :id out of the organization; their next request notices.
func (h orgPages) remove(c fiber.Ctx) error {
	m := memberOf(c)
	target := c.Params("id")
	if target == m.UserID {
		return h.render(c, http.StatusUnprocessableEntity, orgPageState{Error: "To leave the organization, use Leave."})
	}
	if err := org.Remove(c.Context(), h.db, m.actor(), target); err != nil {
		return h.refused(c, err)
	}
	h.audit(c.Context(), audit.Event{Name: audit.MemberRemoved, OrgID: m.OrgID, ActorID: m.UserID, Target: target})
	return redirect(c, pathSettingsOrg)
}

// leave takes the signed-in user out of the current organization and on to another of
// theirs (new session id), or logs them out when they have none left.
func (h orgPages) leave(c fiber.Ctx) error {
	ctx := c.Context()
	m := memberOf(c)
	if err := org.Leave(ctx, h.db, m.UserID, m.OrgID); err != nil {
		return h.refused(c, err)
	}
	h.audit(ctx, audit.Event{Name: audit.MemberLeft, OrgID: m.OrgID, ActorID: m.UserID, Target: m.UserID})
	orgs, err := org.Memberships(ctx, h.db, m.UserID)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		if err := h.sessions.logout(c); err != nil {
			return err
		}
		return redirect(c, "/")
	}
	return h.moveTo(c, orgs[0].OrgID)
}

// refused answers a refused membership change: 403 for the role, 404 for someone not
// in the organization, the page with the reason for the rest.
func (h orgPages) refused(c fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, org.ErrForbidden):
		return apperr.Forbidden(msgOrgNotAllow)
	case errors.Is(err, org.ErrNotMember):
		return apperr.NotFound("member")
	case errors.Is(err, org.ErrLastOwner):
		return h.render(c, http.StatusUnprocessableEntity, orgPageState{Error: msgLastOwner})
	case errors.Is(err, org.ErrInvalidRole):
		return h.render(c, http.StatusUnprocessableEntity, orgPageState{Error: msgOrgRole})
	}
	return err
}

// mayInvite is middleware: roles without the invite permission get 403.
func (h orgPages) mayInvite(c fiber.Ctx) error {
	if !access.Can(memberOf(c).Role, access.Invite) {
		return apperr.Forbidden("Only the owners and admins of the organization can invite people.")
	}
	return c.Next()
}
