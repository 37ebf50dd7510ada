package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/session"
	"github.com/assayhq/assay/ent/web/user"
)

const pathAdminUsers = "/admin/users"

type usersPage struct {
	Q, Status string
	Rows      []*entweb.User
	Next      string
	// Notice reports the last action's outcome.
	Notice string
}

// usersList lists users, newest first: ?q= (email or id), ?status=staff|disabled|unverified|mfa.
func (h *adminPages) usersList(c fiber.Ctx) error {
	p := usersPage{Q: likeQuery(c.Query("q")), Status: c.Query("status"), Notice: c.Query("notice")}
	q := h.db.User.Query()
	if p.Q != "" {
		q = q.Where(user.Or(user.EmailContainsFold(p.Q), user.ID(p.Q)))
	}
	switch p.Status {
	case "staff":
		q = q.Where(user.Staff(true))
	case "disabled":
		q = q.Where(user.DisabledAtNotNil())
	case "unverified":
		q = q.Where(user.EmailVerifiedAtIsNil(), user.EmailNotNil())
	case "mfa":
		q = q.Where(user.MfaEnabledAtNotNil())
	}
	if cur := c.Query("cursor"); cur != "" {
		q = q.Where(user.IDLT(cur))
	}
	rows, err := q.Order(entweb.Desc(user.FieldID)).Limit(adminPageSize + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("web: admin users: %w", err)
	}
	p.Rows, p.Next = cursorPage(rows, func(u *entweb.User) string { return u.ID })
	return h.page(c, http.StatusOK, "admin/users", p)
}

func (h *adminPages) loadUser(c fiber.Ctx) (*entweb.User, error) {
	u, err := h.db.User.Get(c.Context(), c.Params("id"))
	if entweb.IsNotFound(err) {
		return nil, apperr.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("web: admin user: %w", err)
	}
	return u, nil
}

// userDisable disables the user and ends their sessions, as `assay user disable` does.
func (h *adminPages) userDisable(c fiber.Ctx) error {
	u, err := h.loadUser(c)
	if err != nil {
		return err
	}
	if u.Email == "" {
		return apperr.Conflict("This user has no email address; disable them with the operator command.")
	}
	_, n, err := account.DisableUser(c.Context(), h.db, u.Email, time.Now())
	if err != nil {
		return fmt.Errorf("web: admin disable: %w", err)
	}
	h.record(c, audit.AdminUserDisabled, "", "user", u.ID, map[string]string{"sessions_ended": fmt.Sprint(n)})
	return back(c, pathAdminUsers+"?notice=disabled")
}

// userLogout ends every session of the user.
func (h *adminPages) userLogout(c fiber.Ctx) error {
	u, err := h.loadUser(c)
	if err != nil {
		return err
	}
	n, err := h.db.Session.Delete().Where(session.UserID(u.ID)).Exec(c.Context())
	if err != nil {
		return fmt.Errorf("web: admin logout: %w", err)
	}
	h.record(c, audit.AdminUserLoggedOut, "", "user", u.ID, map[string]string{"sessions_ended": fmt.Sprint(n)})
	return back(c, pathAdminUsers+"?notice=logged-out")
}

// userResetMFA turns the user's MFA off (secret and recovery codes deleted) and ends their
// sessions, so they sign in again with the password alone and enroll anew.
func (h *adminPages) userResetMFA(c fiber.Ctx) error {
	u, err := h.loadUser(c)
	if err != nil {
		return err
	}
	err = h.mfa.Disable(c.Context(), u.ID)
	if errors.Is(err, account.ErrMFANotActive) {
		return back(c, pathAdminUsers+"?notice=no-mfa")
	}
	if err != nil {
		return fmt.Errorf("web: admin reset mfa: %w", err)
	}
	if _, err := h.db.Session.Delete().Where(session.UserID(u.ID)).Exec(c.Context()); err != nil {
		return fmt.Errorf("web: admin reset mfa: end sessions: %w", err)
	}
	h.record(c, audit.AdminUserMFAReset, "", "user", u.ID, nil)
	return back(c, pathAdminUsers+"?notice=mfa-reset")
}

// userResendVerification mails the user a new verification link.
func (h *adminPages) userResendVerification(c fiber.Ctx) error {
	u, err := h.loadUser(c)
	if err != nil {
		return err
	}
	if u.EmailVerifiedAt != nil || u.Email == "" {
		return back(c, pathAdminUsers+"?notice=verified")
	}
	if err := h.mail.sendVerification(c.Context(), u); err != nil {
		return fmt.Errorf("web: admin resend verification: %w", err)
	}
	h.record(c, audit.AdminUserVerificationResent, "", "user", u.ID, nil)
	return back(c, pathAdminUsers+"?notice=verification-sent")
}
