package web

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/org"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// inviteEmail invites an address: the invitation and its mail are written in one
// transaction, then the mail is queued.
func (h orgPages) inviteEmail(c fiber.Ctx) error {
	ctx := c.Context()
	m := memberOf(c)
	st := orgPageState{Email: account.NormalizeEmail(c.FormValue("email")), Role: c.FormValue("role"), Errors: map[string]string{}}
	switch {
	case st.Email == "":
		st.Errors["email"] = "Enter the email address to invite."
	case len(st.Email) > 254 || !validEmail(st.Email):
		st.Errors["email"] = "Enter a valid email address, like name@example.com."
	}
	if !org.ValidRole(st.Role) {
		st.Errors["role"] = msgOrgRole
	}
	if len(st.Errors) == 0 {
		ids, err := h.db.User.Query().Where(user.Email(st.Email)).IDs(ctx)
		if err != nil {
			return err
		}
		member, err := h.db.Membership.Query().
			Where(membership.OrgID(m.OrgID), membership.UserIDIn(ids...)).Exist(ctx)
		if err != nil {
			return err
		}
		if member {
			st.Errors["email"] = st.Email + " is already a member of this organization."
		}
	}
	if len(st.Errors) == 0 {
		if err := h.seatsRefused(c, &st); err != nil {
			return err
		}
	}
	if len(st.Errors) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, st)
	}
	var inv *entweb.Invitation
	err := h.mail.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		var raw string
		var err error
		inv, raw, err = org.Invite(ctx, tx.Client(), m.actor(), org.NewInvite{Email: st.Email, Role: st.Role}, h.now())
		if err != nil {
			return nil, err
		}
		id, err := h.mail.mailLink(ctx, tx.Client(), st.Email, mail.TemplateInvitation, pathInviteAccept, raw, mail.Data{
			OrgName: m.OrgName, Role: st.Role, Inviter: m.Email, Expires: expiresText(org.InviteTTL),
		})
		return []string{id}, err
	})
	if err != nil {
		return h.refused(c, err)
	}
	h.audit(ctx, audit.Event{Name: audit.InvitationSent, OrgID: m.OrgID, ActorID: m.UserID, Target: inv.ID})
	return h.render(c, http.StatusOK, orgPageState{Notice: "Invitation sent to " + st.Email + "."})
}

// inviteLink creates an invitation link and shows it this once.
func (h orgPages) inviteLink(c fiber.Ctx) error {
	ctx := c.Context()
	m := memberOf(c)
	role := c.FormValue("role")
	st := orgPageState{Errors: map[string]string{}}
	if err := h.seatsRefused(c, &st); err != nil {
		return err
	}
	if len(st.Errors) > 0 {
		st.Errors["link-role"] = st.Errors["email"]
		return h.render(c, http.StatusUnprocessableEntity, st)
	}
	inv, raw, err := org.Invite(ctx, h.db, m.actor(), org.NewInvite{Role: role}, h.now())
	if errors.Is(err, org.ErrLinkOwner) {
		return h.render(c, http.StatusUnprocessableEntity, orgPageState{
			Errors: map[string]string{"link-role": "An invitation link cannot make people owners: invite them by email."},
		})
	}
	if err != nil {
		return h.refused(c, err)
	}
	h.audit(ctx, audit.Event{Name: audit.InvitationSent, OrgID: m.OrgID, ActorID: m.UserID, Target: inv.ID})
	return h.render(c, http.StatusOK, orgPageState{
		Link:   h.mail.outbox.Link(pathInviteAccept + "?token=" + raw),
		Notice: "Invitation link created. Copy it now: it is not shown again.",
	})
}

// revokeInvite withdraws the pending invitation :id.
func (h orgPages) revokeInvite(c fiber.Ctx) error {
	m := memberOf(c)
	id := c.Params("id")
	err := org.Revoke(c.Context(), h.db, m.actor(), id, h.now())
	if errors.Is(err, org.ErrNotMember) {
		return apperr.NotFound("invitation")
	}
	if err != nil {
		return h.refused(c, err)
	}
	h.audit(c.Context(), audit.Event{Name: audit.InvitationRevoked, OrgID: m.OrgID, ActorID: m.UserID, Target: id})
	return redirect(c, pathSettingsOrg)
}
