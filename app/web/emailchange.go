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
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/user"
)

type emailChangePage struct {
	Current  string
	Verified bool
	Email    string
	Errors   map[string]string
	Error    string
}

// errEmailInUse: the new address went to another account before the link was opened.
var errEmailInUse = errors.New("web: email change: address in use")

func (f *emailFlows) emailChangeForm(c fiber.Ctx) error {
	m := memberOf(c)
	return f.views.page(c, http.StatusOK, "pages/settings_email", emailChangePage{Current: m.Email, Verified: m.Verified})
}

// emailChange checks the current password and mails a confirmation link to the new
// address; the address changes only when the link is used. An address that belongs to
// another account gets no mail but the same answer, so the form tells nobody which
// addresses have accounts.
func (f *emailFlows) emailChange(c fiber.Ctx) error {
	ctx := c.Context()
	m := memberOf(c)
	p := emailChangePage{Current: m.Email, Verified: m.Verified, Email: account.NormalizeEmail(c.FormValue("email")), Errors: map[string]string{}}
	password := c.FormValue("password")
	u, err := f.db.User.Get(ctx, m.UserID)
	if err != nil {
		return fmt.Errorf("web: email change: %w", err)
	}
	switch {
	case p.Email == "":
		p.Errors["email"] = "Enter the new email address."
	case len(p.Email) > 254 || !validEmail(p.Email):
		p.Errors["email"] = "Enter a valid email address, like name@example.com."
	case p.Email == u.Email:
		p.Errors["email"] = "That is already your email address."
	}
	if !f.passwordMatches(u, password) {
		p.Errors["password"] = "That is not your current password. Without a password (signed up with a provider)? Set one with “Forgot your password?” on the login page."
	}
	if len(p.Errors) > 0 {
		return f.views.page(c, http.StatusUnprocessableEntity, "pages/settings_email", p)
	}
	taken, err := f.db.User.Query().Where(user.Email(p.Email)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("web: email change: lookup: %w", err)
	}
	if !taken {
		err = f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
			raw, err := account.IssueToken(ctx, tx.Client(), account.PurposeChangeEmail, u.ID, p.Email, f.now())
			if err != nil {
				return nil, err
			}
			e := memberEvent(c, audit.EmailChangeRequested)
			e.Details = map[string]string{"new_email": p.Email}
			if err := f.record(ctx, tx, e); err != nil {
				return nil, err
			}
			id, err := f.mailLink(ctx, tx.Client(), p.Email, mail.TemplateChangeEmail, pathEmailConfirm, raw,
				mail.Data{NewEmail: p.Email, Expires: expiresText(account.TokenTTL[account.PurposeChangeEmail])})
			return []string{id}, err
		})
		if err != nil {
			return fmt.Errorf("web: email change: %w", err)
		}
	}
	return f.notice(c, http.StatusOK, noticePage{
		Kind: "change-sent", Title: "Check the new inbox",
		Message: "We sent a link to " + p.Email + ". Your account keeps using " + u.Email +
			" until you open it (it works for " + expiresText(account.TokenTTL[account.PurposeChangeEmail]) + ").",
		LinkHref: "/dashboard", LinkText: "Back to your dashboard",
	})
}

// passwordMatches checks the current password, spending a hash's time even when the
// user has none.
func (f *emailFlows) passwordMatches(u *entweb.User, password string) bool {
	if u.PasswordHash == "" {
		auth.DummyCheckPassword(password)
		return false
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	return err == nil && ok
}

// emailChangeRefused shows the form again with the rate limit's message.
func (f *emailFlows) emailChangeRefused(c fiber.Ctx, msg string) error {
	m := memberOf(c)
	p := emailChangePage{Current: m.Email, Verified: m.Verified, Email: account.NormalizeEmail(c.FormValue("email")), Error: msg}
	return f.views.page(c, http.StatusTooManyRequests, "pages/settings_email", p)
}

// emailConfirmForm checks the link and asks to confirm the change.
func (f *emailFlows) emailConfirmForm(c fiber.Ctx) error {
	raw := c.Query("token")
	t, err := account.PeekToken(c.Context(), f.db, account.PurposeChangeEmail, raw, f.now())
	if err != nil {
		return f.tokenRefused(c, err, pathEmailChange, "Email settings")
	}
	return f.confirm(c, confirmPage{
		Title: "Confirm your new email address", Message: "Press the button to make " + t.Email + " the email address of your Assay account.",
		Action: pathEmailConfirm, Token: raw, Button: "Use this address",
	})
}

// emailConfirm changes the address (marked verified: the link reached it) and mails a
// notice to the old one, in one transaction with the token's use.
func (f *emailFlows) emailConfirm(c fiber.Ctx) error {
	ctx := c.Context()
	now := f.now()
	var newEmail string
	err := f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		t, err := account.UseToken(ctx, tx.Client(), account.PurposeChangeEmail, c.FormValue("token"), now)
		if err != nil {
			return nil, err
		}
		u, err := tx.User.Get(ctx, t.UserID)
		if err != nil {
			return nil, fmt.Errorf("web: email confirm: user: %w", err)
		}
		taken, err := tx.User.Query().Where(user.Email(t.Email), user.IDNEQ(u.ID)).Exist(ctx)
		if err != nil {
			return nil, fmt.Errorf("web: email confirm: lookup: %w", err)
		}
		if taken {
			return nil, errEmailInUse
		}
		err = tx.User.UpdateOneID(u.ID).SetEmail(t.Email).SetEmailVerifiedAt(now).Exec(ctx)
		if entweb.IsConstraintError(err) {
			return nil, errEmailInUse
		}
		if err != nil {
			return nil, fmt.Errorf("web: email confirm: update: %w", err)
		}
		newEmail = t.Email
		if err := f.record(ctx, tx, audit.Event{Name: audit.EmailChangeConfirmed, ActorID: u.ID, ActorEmail: u.Email, TargetType: "user", Target: u.ID,
			Details: map[string]string{"old_email": u.Email, "new_email": t.Email}}); err != nil {
			return nil, err
		}
		if u.Email == "" {
			return nil, nil
		}
		id, err := f.outbox.Add(ctx, tx.Client(), u.Email, mail.TemplateEmailChanged, mail.Data{NewEmail: t.Email})
		return []string{id}, err
	})
	if errors.Is(err, errEmailInUse) {
		return f.notice(c, http.StatusConflict, noticePage{
			Kind: "token-error", Title: "This link cannot be used",
			Error:    "That address now belongs to another account, so your email address was not changed.",
			LinkHref: pathEmailChange, LinkText: "Email settings",
		})
	}
	if err != nil {
		return f.tokenRefused(c, err, pathEmailChange, "Email settings")
	}
	return f.notice(c, http.StatusOK, noticePage{
		Kind: "email-changed", Title: "Email address changed",
		Message:  "Your account now uses " + newEmail + ". We told the old address about the change.",
		LinkHref: "/dashboard", LinkText: "Go to your dashboard",
	})
}
