package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/user"
)

// signup creates the account with its verification mail in one transaction, signs the
// user in and sends them to the "check your inbox" page. For an address that already has
// an account it creates nothing, mails that account a warning instead, and answers the
// same redirect with a new (signed-out) session cookie, after the same password hashing.
func (f *emailFlows) signup(c fiber.Ctx, n account.NewOwner) error {
	ctx := c.Context()
	var u *entweb.User
	var o *entweb.Organization
	err := f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		var err error
		if u, o, err = account.CreateOwnerTx(ctx, tx, n); err != nil {
			return nil, err
		}
		if err := f.record(ctx, tx, audit.Event{Name: audit.SignedUp, OrgID: o.ID, ActorID: u.ID, ActorEmail: u.Email, TargetType: "user", Target: u.ID}); err != nil {
			return nil, err
		}
		raw, err := account.IssueToken(ctx, tx.Client(), account.PurposeVerifyEmail, u.ID, u.Email, f.now())
		if err != nil {
			return nil, err
		}
		id, err := f.mailLink(ctx, tx.Client(), u.Email, mail.TemplateVerifyEmail, pathVerify, raw,
			mail.Data{Expires: expiresText(account.TokenTTL[account.PurposeVerifyEmail])})
		return []string{id}, err
	})
	if errors.Is(err, account.ErrEmailTaken) || entweb.IsConstraintError(err) {
		return f.signupTaken(c, account.NormalizeEmail(n.Email))
	}
	if err != nil {
		return fmt.Errorf("web: signup: %w", err)
	}
	if err := f.sessions.login(c, u.ID, o.ID); err != nil {
		return err
	}
	return redirect(c, pathSignupSent)
}

// signupTaken mails the account that owns email (unless it is disabled) and answers as a
// successful signup does.
func (f *emailFlows) signupTaken(c fiber.Ctx, email string) error {
	ctx := c.Context()
	u, err := f.db.User.Query().Where(user.Email(email)).Only(ctx)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: signup: lookup: %w", err)
	}
	if u != nil && u.DisabledAt == nil {
		id, err := f.outbox.Add(ctx, f.db, u.Email, mail.TemplateSignupExists, mail.Data{})
		if err != nil {
			return fmt.Errorf("web: signup: %w", err)
		}
		f.send(ctx, id)
		f.log.InfoContext(ctx, "web: signup with a registered email", slog.String("user_id", u.ID))
	}
	if err := f.renewAnonymous(c); err != nil {
		return err
	}
	return redirect(c, pathSignupSent)
}

// signupSent is the "check your inbox" page after every signup.
func (f *emailFlows) signupSent(c fiber.Ctx) error {
	return f.notice(c, http.StatusOK, noticePage{
		Kind:  "signup-sent",
		Title: "Check your inbox",
		Message: "We sent an email to the address you gave. If it is new to Assay, the email has a link to confirm it; " +
			"if it already has an account, the email tells you how to log in or reset the password.",
		LinkHref: "/dashboard", LinkText: "Continue",
	})
}
