package web

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/mail"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/session"
	"github.com/assayhq/assay/ent/web/user"
)

type forgotPage struct {
	Email  string
	Errors map[string]string
	Error  string
}

type resetPage struct {
	Token  string
	Errors map[string]string
	Error  string
}

func (f *emailFlows) forgotForm(c fiber.Ctx) error {
	if _, err := f.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return f.views.page(c, http.StatusOK, "pages/password_forgot", forgotPage{})
}

// forgot answers every well-formed address alike. The link goes only to an account
// that exists and is not disabled, whether it has a password or signed up through a
// provider (the reset then gives it one); for any other address nothing is sent.
func (f *emailFlows) forgot(c fiber.Ctx) error {
	ctx := c.Context()
	p := forgotPage{Email: account.NormalizeEmail(c.FormValue("email")), Errors: map[string]string{}}
	switch {
	case p.Email == "":
		p.Errors["email"] = "Enter your email address."
	case len(p.Email) > 254 || !validEmail(p.Email):
		p.Errors["email"] = "Enter a valid email address, like name@example.com."
	}
	if len(p.Errors) > 0 {
		return f.views.page(c, http.StatusUnprocessableEntity, "pages/password_forgot", p)
	}
	u, err := f.db.User.Query().Where(user.Email(p.Email)).Only(ctx)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: forgot: %w", err)
	}
	if u != nil && u.DisabledAt == nil {
		err := f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
			raw, err := account.IssueToken(ctx, tx.Client(), account.PurposeResetPassword, u.ID, u.Email, f.now())
			if err != nil {
				return nil, err
			}
			if err := f.record(ctx, tx, audit.Event{Name: audit.PasswordResetRequested, TargetType: "user", Target: u.ID,
				Details: map[string]string{"email": u.Email}}); err != nil {
				return nil, err
			}
			id, err := f.mailLink(ctx, tx.Client(), u.Email, mail.TemplateResetPassword, pathReset, raw,
				mail.Data{Expires: expiresText(account.TokenTTL[account.PurposeResetPassword])})
			return []string{id}, err
		})
		if err != nil {
			return fmt.Errorf("web: forgot: %w", err)
		}
	}
	return f.notice(c, http.StatusOK, noticePage{
		Kind: "forgot-sent", Title: "Check your inbox",
		Message: "If an account uses " + p.Email + ", we sent it a link to choose a new password. The link works for " +
			expiresText(account.TokenTTL[account.PurposeResetPassword]) + ".",
		LinkHref: "/login", LinkText: "Back to log in",
	})
}

// forgotRefused shows the form again with the rate limit's message.
func (f *emailFlows) forgotRefused(c fiber.Ctx, msg string) error {
	p := forgotPage{Email: account.NormalizeEmail(c.FormValue("email")), Error: msg}
	return f.views.page(c, http.StatusTooManyRequests, "pages/password_forgot", p)
}

// resetForm checks the link and asks for the new password.
func (f *emailFlows) resetForm(c fiber.Ctx) error {
	raw := c.Query("token")
	if _, err := account.PeekToken(c.Context(), f.db, account.PurposeResetPassword, raw, f.now()); err != nil {
		return f.tokenRefused(c, err, pathForgot, "Ask for a new link")
	}
	if _, err := f.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return f.views.page(c, http.StatusOK, "pages/password_reset", resetPage{Token: raw})
}

// reset sets the new password in one transaction that also uses the token, revokes the
// user's other reset links, ends every session of the user and writes the notice mail.
// The browser is signed out too and sent to log in with the new password.
func (f *emailFlows) reset(c fiber.Ctx) error {
	ctx := c.Context()
	now := f.now()
	p := resetPage{Token: c.FormValue("token"), Errors: map[string]string{}}
	if _, err := account.PeekToken(ctx, f.db, account.PurposeResetPassword, p.Token, now); err != nil {
		return f.tokenRefused(c, err, pathForgot, "Ask for a new link")
	}
	password := c.FormValue("password")
	if err := auth.ValidatePassword(password); err != nil {
		p.Errors["password"] = err.Error() // a PasswordError: written for users
		return f.views.page(c, http.StatusUnprocessableEntity, "pages/password_reset", p)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fmt.Errorf("web: reset: %w", err)
	}
	err = f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		t, err := account.UseToken(ctx, tx.Client(), account.PurposeResetPassword, p.Token, now)
		if err != nil {
			return nil, err
		}
		u, err := tx.User.Get(ctx, t.UserID)
		if err != nil {
			return nil, fmt.Errorf("web: reset: user: %w", err)
		}
		upd := tx.User.UpdateOneID(u.ID).SetPasswordHash(hash)
		if u.EmailVerifiedAt == nil && u.Email == t.Email {
			upd.SetEmailVerifiedAt(now) // the link reached the address
		}
		if err := upd.Exec(ctx); err != nil {
			return nil, fmt.Errorf("web: reset: update: %w", err)
		}
		if err := account.RevokeTokens(ctx, tx.Client(), account.PurposeResetPassword, u.ID, now); err != nil {
			return nil, err
		}
		if _, err := tx.Session.Delete().Where(session.UserID(u.ID)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("web: reset: end sessions: %w", err)
		}
		if err := f.record(ctx, tx, audit.Event{Name: audit.PasswordResetCompleted, ActorID: u.ID, ActorEmail: u.Email, TargetType: "user", Target: u.ID}); err != nil {
			return nil, err
		}
		if u.Email == "" {
			return nil, nil
		}
		id, err := f.outbox.Add(ctx, tx.Client(), u.Email, mail.TemplatePasswordChanged, mail.Data{})
		return []string{id}, err
	})
	if err != nil {
		return f.tokenRefused(c, err, pathForgot, "Ask for a new link")
	}
	if err := f.sessions.logout(c); err != nil {
		return err
	}
	return f.notice(c, http.StatusOK, noticePage{
		Kind: "password-changed", Title: "Password changed",
		Message:  "Your password was changed, and every browser signed in to your account was signed out. Log in with the new password.",
		LinkHref: "/login", LinkText: "Log in",
	})
}

// resetRefused shows the form again with the rate limit's message.
func (f *emailFlows) resetRefused(c fiber.Ctx, msg string) error {
	return f.views.page(c, http.StatusTooManyRequests, "pages/password_reset", resetPage{Token: c.FormValue("token"), Error: msg})
}
