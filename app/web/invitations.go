package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/org"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths and templates of accepting an invitation.
const (
	pathInviteAccept = "/invitations/accept"
	pathInviteSignup = "/invitations/signup"
	pageInvitation   = "pages/invitation"
	pageInviteSignup = "pages/invitation_signup"
	// keyInvite is the session value holding the invitation whose link this browser
	// opened: the proof of the link, kept through signup and login without putting the
	// token in any other URL.
	keyInvite = "invite_id"
)

// What the invitation page offers, by who is looking.
const (
	inviteVisitor  = "visitor"  // not signed in: sign up or log in
	inviteJoin     = "join"     // signed in and allowed: the join button
	inviteMismatch = "mismatch" // signed in with another email than the invited one
	inviteMember   = "member"   // already a member
)

// errNoInvite: the browser has opened no invitation link (or it was used up).
var errNoInvite = errors.New("web: no invitation pending")

// invitationPage shows an invitation and what the viewer can do with it.
type invitationPage struct {
	State    string
	OrgName  string
	Role     string
	Email    string // the invited address; empty for a link invitation
	YouEmail string // the signed-in user's address
}

// inviteSignupPage is the signup form of someone joining by invitation.
type inviteSignupPage struct {
	OrgName, Role, Email string
	Locked               bool // the invited address is the only one that can join
	Errors               map[string]string
	Error                string
}

// openInvite handles the link from the email or the shared link: a valid token is
// remembered in the session and the browser comes back without it in the address.
func (h orgPages) openInvite(c fiber.Ctx) error {
	raw := c.Query("token")
	if raw == "" {
		return h.showInvite(c)
	}
	inv, err := org.FindInvite(c.Context(), h.db, raw, h.now())
	if err != nil {
		return h.inviteRefused(c, err)
	}
	sessionOf(c).sess.Values[keyInvite] = inv.ID
	if err := h.sessions.save(c); err != nil {
		return err
	}
	return redirect(c, pathInviteAccept)
}

// showInvite shows the pending invitation: its organization and role, and what the
// viewer can do. Opening it changes nothing.
func (h orgPages) showInvite(c fiber.Ctx) error {
	inv, o, err := h.pendingInvite(c)
	if err != nil {
		return h.inviteRefused(c, err)
	}
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	p := invitationPage{State: inviteVisitor, OrgName: o.Name, Role: string(inv.Role), Email: inv.Email}
	if m := h.viewer(c); m != nil {
		p.YouEmail = m.Email
		p.State = inviteJoin
		switch {
		case inOrg(m, inv.OrgID):
			p.State = inviteMember
		case inv.Email != "" && inv.Email != m.Email:
			p.State = inviteMismatch
		}
	}
	return h.views.page(c, http.StatusOK, pageInvitation, p)
}

// acceptInvite makes the signed-in user a member and switches them to the organization
// (a change of privilege: new session id).
func (h orgPages) acceptInvite(c fiber.Ctx) error {
	ctx := c.Context()
	m := memberOf(c)
	inv, o, err := h.pendingInvite(c)
	if err != nil {
		return h.inviteRefused(c, err)
	}
	u, err := h.db.User.Get(ctx, m.UserID)
	if err != nil {
		return fmt.Errorf("web: accept invitation: %w", err)
	}
	p := invitationPage{OrgName: o.Name, Role: string(inv.Role), Email: inv.Email, YouEmail: m.Email}
	_, err = org.Accept(ctx, h.db, inv.ID, u, h.now())
	switch {
	case errors.Is(err, org.ErrEmailMismatch):
		p.State = inviteMismatch
		return h.views.page(c, http.StatusForbidden, pageInvitation, p)
	case errors.Is(err, org.ErrAlreadyMember):
		p.State = inviteMember
		return h.views.page(c, http.StatusConflict, pageInvitation, p)
	case err != nil:
		return h.inviteRefused(c, err)
	}
	h.audit(ctx, audit.Event{Name: audit.InvitationAccepted, OrgID: inv.OrgID, ActorID: m.UserID, Target: inv.ID})
	delete(sessionOf(c).sess.Values, keyInvite)
	return h.moveTo(c, inv.OrgID)
}

// pendingInvite loads the invitation the session remembers, if it still works.
func (h orgPages) pendingInvite(c fiber.Ctx) (*entweb.Invitation, *entweb.Organization, error) {
	id := sessionOf(c).str(keyInvite)
	if id == "" {
		return nil, nil, errNoInvite
	}
	inv, err := org.GetInvite(c.Context(), h.db, id, h.now())
	if err != nil {
		return nil, nil, err
	}
	o, err := h.db.Organization.Get(c.Context(), inv.OrgID)
	if entweb.IsNotFound(err) {
		return nil, nil, org.ErrInviteInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("web: invitation: organization: %w", err)
	}
	return inv, o, nil
}

// viewer is the signed-in user on a page open to visitors too, or nil.
func (h orgPages) viewer(c fiber.Ctx) *member {
	ws := sessionOf(c)
	userID, orgID := ws.str(keyUserID), ws.str(keyOrgID)
	if userID == "" || orgID == "" {
		return nil
	}
	m, err := h.authn.load(c, userID, orgID)
	if err != nil || m == nil {
		return nil
	}
	c.Locals(localAccount, m)
	return m
}

// inviteRefused answers an invitation that no longer works: it says why, forgets it,
// and changes nothing else. Other errors go to the error handler.
func (h orgPages) inviteRefused(c fiber.Ctx, err error) error {
	msg := org.InviteMessage(err)
	if errors.Is(err, errNoInvite) {
		msg = "No invitation is open in this browser. Open the link from the invitation email (or the one you were sent) again."
	}
	if msg == "" {
		return err
	}
	ws := sessionOf(c)
	if ws.str(keyInvite) != "" {
		delete(ws.sess.Values, keyInvite)
		if err := h.sessions.save(c); err != nil {
			return err
		}
	}
	return h.mail.notice(c, http.StatusBadRequest, noticePage{
		Kind: "invite-error", Title: "This invitation cannot be used", Error: msg, LinkHref: "/", LinkText: "Go to Assay",
	})
}

func inOrg(m *member, orgID string) bool {
	for _, o := range m.Orgs {
		if o.OrgID == orgID {
			return true
		}
	}
	return false
}
