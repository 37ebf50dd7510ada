package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/user"
)

// verifyForm shows the link's confirm page; opening the link alone changes nothing.
func (f *emailFlows) verifyForm(c fiber.Ctx) error {
	raw := c.Query("token")
	if _, err := account.PeekToken(c.Context(), f.db, account.PurposeVerifyEmail, raw, f.now()); err != nil {
		return f.tokenRefused(c, err, "/dashboard", "Go to your dashboard")
	}
	return f.confirm(c, confirmPage{
		Title: "Confirm your email address", Message: "Press the button to confirm this email address for your Assay account.",
		Action: pathVerify, Token: raw, Button: "Confirm my email",
	})
}

// errStaleAddress: the token was sent to an address the user no longer has.
var errStaleAddress = fmt.Errorf("web: verify: %w", account.ErrTokenInvalid)

// verify uses the token and marks the address verified, in one transaction.
func (f *emailFlows) verify(c fiber.Ctx) error {
	ctx := c.Context()
	now := f.now()
	err := f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		t, err := account.UseToken(ctx, tx.Client(), account.PurposeVerifyEmail, c.FormValue("token"), now)
		if err != nil {
			return nil, err
		}
		n, err := tx.User.Update().Where(user.ID(t.UserID), user.Email(t.Email)).SetEmailVerifiedAt(now).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("web: verify: %w", err)
		}
		if n == 0 {
			return nil, errStaleAddress
		}
		return nil, f.record(ctx, tx, audit.Event{Name: audit.EmailVerified, ActorID: t.UserID, TargetType: "user", Target: t.UserID,
			Details: map[string]string{"email": t.Email}})
	})
	if err != nil {
		return f.tokenRefused(c, err, "/dashboard", "Go to your dashboard")
	}
	if sessionOf(c).str(keyUserID) != "" {
		return redirect(c, "/dashboard")
	}
	return f.notice(c, http.StatusOK, noticePage{
		Kind: "verified", Title: "Email confirmed", Message: "Thank you: your email address is confirmed.",
		LinkHref: "/login", LinkText: "Log in",
	})
}

// resend mails a new verification link to the signed-in user's address.
func (f *emailFlows) resend(c fiber.Ctx) error {
	ctx := c.Context()
	m := memberOf(c)
	u, err := f.db.User.Get(ctx, m.UserID)
	if err != nil {
		return fmt.Errorf("web: resend: %w", err)
	}
	if u.EmailVerifiedAt != nil || u.Email == "" {
		return redirect(c, "/dashboard")
	}
	if err := f.sendVerification(ctx, u); err != nil {
		return fmt.Errorf("web: resend: %w", err)
	}
	return f.notice(c, http.StatusOK, noticePage{
		Kind: "verify-sent", Title: "Check your inbox",
		Message:  "We sent a new confirmation link to " + u.Email + ". Earlier links keep working until they expire.",
		LinkHref: "/dashboard", LinkText: "Back to your dashboard",
	})
}

// resendRefused answers a resend the rate limit refused.
func (f *emailFlows) resendRefused(c fiber.Ctx, msg string) error {
	return f.notice(c, http.StatusTooManyRequests, noticePage{
		Kind: "verify-sent", Title: "Not sent", Error: msg, LinkHref: "/dashboard", LinkText: "Back to your dashboard",
	})
}

// sendVerification issues a new verification token for u's address and mails its link,
// in one transaction; earlier links keep working until they expire.
func (f *emailFlows) sendVerification(ctx context.Context, u *entweb.User) error {
	return f.inTx(ctx, func(tx *entweb.Tx) ([]string, error) {
		raw, err := account.IssueToken(ctx, tx.Client(), account.PurposeVerifyEmail, u.ID, u.Email, f.now())
		if err != nil {
			return nil, err
		}
		id, err := f.mailLink(ctx, tx.Client(), u.Email, mail.TemplateVerifyEmail, pathVerify, raw,
			mail.Data{Expires: expiresText(account.TokenTTL[account.PurposeVerifyEmail])})
		return []string{id}, err
	})
}
