package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/org"
	entweb "github.com/assayhq/assay/ent/web"
)

// inviteSignupForm is the signup form for the invitation the session remembers.
func (h orgPages) inviteSignupForm(c fiber.Ctx) error {
	inv, o, err := h.pendingInvite(c)
	if err != nil {
		return h.inviteRefused(c, err)
	}
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, pageInviteSignup, inviteSignupPage{
		OrgName: o.Name, Role: string(inv.Role), Email: inv.Email, Locked: inv.Email != "",
	})
}

// inviteSignup creates the account as a member of the inviting organization, in one
// transaction with the acceptance. An email invitation's link proves the address, so the
// account starts verified; joining by a shared link sends the usual confirmation mail.
// An address that has an account gets what any signup gets (see emailFlows.signupTaken).
func (h orgPages) inviteSignup(c fiber.Ctx) error {
	ctx := c.Context()
	inv, o, err := h.pendingInvite(c)
	if err != nil {
		return h.inviteRefused(c, err)
	}
	p := inviteSignupPage{
		OrgName: o.Name, Role: string(inv.Role), Email: account.NormalizeEmail(c.FormValue("email")),
		Locked: inv.Email != "", Errors: map[string]string{},
	}
	password := c.FormValue("password")
	switch {
	case p.Email == "":
		p.Errors["email"] = "Enter your email address."
	case len(p.Email) > 254 || !validEmail(p.Email):
		p.Errors["email"] = "Enter a valid email address, like name@example.com."
	case inv.Email != "" && p.Email != inv.Email:
		p.Errors["email"] = "This invitation is for " + inv.Email + ": sign up with that address, or ask for an invitation to yours."
	}
	if err := auth.ValidatePassword(password); err != nil {
		p.Errors["password"] = err.Error() // a PasswordError: written for users
	}
	if len(p.Errors) > 0 {
		if inv.Email != "" {
			p.Email = inv.Email
		}
		return h.views.page(c, http.StatusUnprocessableEntity, pageInviteSignup, p)
	}
	verified := inv.Email != ""
	var u *entweb.User
	err = h.mail.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		var err error
		if u, err = account.CreateUserTx(ctx, tx, p.Email, password, verified, h.now()); err != nil {
			return nil, err
		}
		if _, err := org.AcceptTx(ctx, tx, inv.ID, u, h.now()); err != nil {
			return nil, err
		}
		if verified {
			return nil, nil
		}
		raw, err := account.IssueToken(ctx, tx.Client(), account.PurposeVerifyEmail, u.ID, u.Email, h.now())
		if err != nil {
			return nil, err
		}
		id, err := h.mail.mailLink(ctx, tx.Client(), u.Email, mail.TemplateVerifyEmail, pathVerify, raw,
			mail.Data{Expires: expiresText(account.TokenTTL[account.PurposeVerifyEmail])})
		return []string{id}, err
	})
	if errors.Is(err, account.ErrEmailTaken) || entweb.IsConstraintError(err) {
		return h.mail.signupTaken(c, p.Email)
	}
	if err != nil {
		if org.InviteMessage(err) != "" {
			return h.inviteRefused(c, err)
		}
		return fmt.Errorf("web: invitation signup: %w", err)
	}
	h.audit(ctx, audit.Event{Name: audit.InvitationAccepted, OrgID: inv.OrgID, ActorID: u.ID, Target: inv.ID})
	delete(sessionOf(c).sess.Values, keyInvite)
	if err := h.sessions.login(c, u.ID, inv.OrgID); err != nil {
		return err
	}
	return redirect(c, "/dashboard")
}

// inviteSignupRefused shows the form again with the rate limit's message.
func (h orgPages) inviteSignupRefused(c fiber.Ctx, msg string) error {
	inv, o, err := h.pendingInvite(c)
	if err != nil {
		return h.inviteRefused(c, err)
	}
	return h.views.page(c, http.StatusTooManyRequests, pageInviteSignup, inviteSignupPage{
		OrgName: o.Name, Role: string(inv.Role), Email: inv.Email, Locked: inv.Email != "", Error: msg,
	})
}

// toInviteIfSignedIn sends a signed-in user from the invitation signup to the
// invitation itself.
func toInviteIfSignedIn(c fiber.Ctx) error {
	if ws := sessionOf(c); ws != nil && ws.str(keyUserID) != "" {
		return redirect(c, pathInviteAccept)
	}
	return c.Next()
}
