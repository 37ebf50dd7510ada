package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
)

const (
	pathReauth = "/reauth"
	pageReauth = "pages/reauth"
	// recentAuthMaxAge is how long a login or re-authentication allows sensitive changes.
	recentAuthMaxAge = 10 * time.Minute
)

// reauth asks a signed-in user to prove again who they are before a sensitive change:
// the password and, with MFA on, a code. A provider-only account without MFA has
// nothing to enter here; it signs in with its provider again, which counts as recent.
type reauth struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	mfa      *account.MFA
	audit    audit.Func
	log      *slog.Logger
	now      func() time.Time
}

// reauthPage is the re-authentication form.
type reauthPage struct {
	Next        string
	Error       string
	HasPassword bool
	HasMFA      bool
}

// requireRecentAuth is middleware for sensitive changes (after authn.require): a session
// whose last proof of identity is older than maxAge is sent to the re-authentication
// form, which comes back to the page (a GET) or to the page the form was on (a POST,
// whose input is not kept).
func (h *reauth) requireRecentAuth(maxAge time.Duration) fiber.Handler {
	return func(c fiber.Ctx) error {
		at, ok := parseStamp(sessionOf(c).str(keyAuthAt))
		if ok && h.now().Sub(at) < maxAge {
			return c.Next()
		}
		next := c.OriginalURL()
		if c.Method() != http.MethodGet {
			next = refererPath(c)
		}
		return redirect(c, pathReauth+"?next="+url.QueryEscape(next))
	}
}

// refererPath is the local path of the Referer, or the dashboard.
func refererPath(c fiber.Ctx) string {
	u, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || u.Host != c.Host() {
		return "/dashboard"
	}
	if p := localPath(u.RequestURI()); p != "" {
		return p
	}
	return "/dashboard"
}

func (h *reauth) page(c fiber.Ctx, status int, p reauthPage) error {
	u, err := h.db.User.Get(c.Context(), memberOf(c).UserID)
	if err != nil {
		return fmt.Errorf("web: reauth: %w", err)
	}
	p.HasPassword, p.HasMFA = u.PasswordHash != "", account.Enabled(u)
	return h.views.page(c, status, pageReauth, p)
}

func (h *reauth) form(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.page(c, http.StatusOK, reauthPage{Next: localPath(c.Query("next"))})
}

// confirm checks the password (if the account has one) and the code (if MFA is on);
// then the session is recent again, under a new id. A wrong answer is a 422 and
// changes nothing.
func (h *reauth) confirm(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	p := reauthPage{Next: localPath(c.FormValue("next"))}
	u, err := h.db.User.Get(ctx, acc.UserID)
	if err != nil {
		return fmt.Errorf("web: reauth: %w", err)
	}
	password := c.FormValue("password")
	switch {
	case u.PasswordHash == "" && !account.Enabled(u):
		p.Error = "This account has no password: sign in again with your provider to continue."
	case u.PasswordHash != "":
		if ok, _ := auth.CheckPassword(u.PasswordHash, password); !ok {
			p.Error = "Wrong password."
		}
	default:
		auth.DummyCheckPassword(password)
	}
	if p.Error == "" && account.Enabled(u) {
		if _, err := h.mfa.Verify(ctx, u.ID, c.FormValue("code")); err != nil {
			if !errors.Is(err, account.ErrMFACode) && !errors.Is(err, account.ErrMFAReplayed) {
				return err
			}
			p.Error = err.Error()
		}
	}
	if p.Error != "" {
		h.audit(ctx, audit.Event{Name: eventReauthFail, OrgID: acc.OrgID, ActorID: acc.UserID, Target: acc.UserID})
		return h.page(c, http.StatusUnprocessableEntity, p)
	}
	sessionOf(c).sess.Values[keyAuthAt] = authStamp(h.now())
	if err := h.sessions.renew(c); err != nil {
		return err
	}
	return redirect(c, landingAfterLogin(p.Next))
}

// refused shows the form again with the rate limit's message.
func (h *reauth) refused(c fiber.Ctx, msg string) error {
	return h.page(c, http.StatusTooManyRequests, reauthPage{Next: localPath(c.FormValue("next")), Error: msg})
}

// signedInAccount is the rate-limit key of forms of a signed-in user.
func signedInAccount(c fiber.Ctx) string {
	if id := sessionOf(c).str(keyUserID); id != "" {
		return "user:" + id
	}
	return ""
}
