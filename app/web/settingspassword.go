package web

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
)

const pageSettingsPassword = "pages/settings_password"

// Messages of the password form.
const (
	msgWrongCurrent   = "That is not your current password."
	msgNoPassword     = "This account signs in with a provider and has no password to change."
	msgSamePassword   = "Choose a new password that differs from the current one." // #nosec G101 -- a user-facing message, not a credential
	msgPasswordChange = "Your password was changed, and every other device was signed out."
)

// passwordPage is the password-change form.
type passwordPage struct {
	Errors     map[string]string
	Error      string // about the whole form, such as the rate limit's
	Notice     string // the change just succeeded
	NoPassword bool   // a provider-only account: nothing to change
}

func (h settings) passwordForm(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	u, err := h.db.User.Get(c.Context(), memberOf(c).UserID)
	if err != nil {
		return fmt.Errorf("web: password form: %w", err)
	}
	p := passwordPage{NoPassword: u.PasswordHash == ""}
	if c.Query("changed") == "1" {
		p.Notice = msgPasswordChange
	}
	return h.views.page(c, http.StatusOK, pageSettingsPassword, p)
}

// changePassword checks the current password and the new one against the policy, stores
// it and ends every session of the user; this browser is signed in again with a new
// session id. Errors re-render the form with 422 and change nothing.
func (h settings) changePassword(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	current, next := c.FormValue("current_password"), c.FormValue("new_password")
	u, err := h.db.User.Get(ctx, acc.UserID)
	if err != nil {
		return fmt.Errorf("web: change password: %w", err)
	}
	p := passwordPage{Errors: map[string]string{}}
	if u.PasswordHash == "" {
		auth.DummyCheckPassword(current)
		p.NoPassword, p.Error = true, msgNoPassword
		return h.views.page(c, http.StatusUnprocessableEntity, pageSettingsPassword, p)
	}
	ok, err := auth.CheckPassword(u.PasswordHash, current)
	if err != nil {
		h.log.WarnContext(ctx, "web: change password: unusable password hash", slog.String("user_id", u.ID))
	}
	if !ok {
		p.Errors["current_password"] = msgWrongCurrent
	}
	if err := auth.ValidatePassword(next); err != nil {
		p.Errors["new_password"] = err.Error() // a PasswordError: written for users
	} else if ok && next == current {
		p.Errors["new_password"] = msgSamePassword
	}
	if len(p.Errors) > 0 {
		return h.views.page(c, http.StatusUnprocessableEntity, pageSettingsPassword, p)
	}
	inTx := func(tx *entweb.Tx) error {
		_, err := h.trail.AppendTx(ctx, tx, memberEvent(c, audit.PasswordChanged))
		return err
	}
	if err := account.ChangePassword(ctx, h.db, u.ID, next, inTx); err != nil {
		return fmt.Errorf("web: change password: %w", err)
	}
	// Every session, this one's row included, ended with the change: renew signs this
	// browser in again under a new id.
	if err := h.sessions.renew(c); err != nil {
		return err
	}
	return redirect(c, pathSettingsPassword+"?changed=1")
}

// passwordRefused shows the password form again with the rate limit's message.
func (h settings) passwordRefused(c fiber.Ctx, msg string) error {
	return h.views.page(c, http.StatusTooManyRequests, pageSettingsPassword, passwordPage{Error: msg})
}
