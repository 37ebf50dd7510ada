package web

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths and templates of the security settings (two-factor authentication).
const (
	pathSettingsSecurity = "/settings/security"
	pathMFASetup         = pathSettingsSecurity + "/mfa/setup"
	pathMFAQR            = pathSettingsSecurity + "/mfa/qr.png"
	pathMFAEnable        = pathSettingsSecurity + "/mfa/enable"
	pathMFADisable       = pathSettingsSecurity + "/mfa/disable"
	pathMFACodes         = pathSettingsSecurity + "/recovery-codes"

	pageSettingsSecurity = "pages/settings_security"
	pageMFASetup         = "pages/settings_mfa_setup"
	pageMFACodes         = "pages/settings_mfa_codes"

	qrSize = 240
)

const msgOrgRequiresMFA = "Your organization requires two-factor authentication: it cannot be turned off."

// mfaSettings lets a signed-in user set up, use up and turn off their second factor.
type mfaSettings struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	mfa      *account.MFA
	audit    audit.Func
	log      *slog.Logger
}

// securityPage is the status of the user's two-factor authentication.
type securityPage struct {
	Enabled     bool
	MustEnroll  bool // the organization requires MFA and the user has none
	OrgRequires bool
	Remaining   int // unused recovery codes
	Error       string
	Notice      string
}

// setupPage shows the QR code and the secret of a pending enrollment.
type setupPage struct {
	Secret string
	QRPath string
	Error  string
}

// codesPage shows new recovery codes, once.
type codesPage struct {
	Codes []string
}

func (h mfaSettings) status(c fiber.Ctx, p securityPage) (securityPage, error) {
	acc := memberOf(c)
	p.Enabled, p.MustEnroll = acc.MFAEnabled, acc.MustEnrollMFA
	o, err := h.db.Organization.Get(c.Context(), acc.OrgID)
	if err != nil {
		return p, fmt.Errorf("web: security: %w", err)
	}
	p.OrgRequires = o.RequireMfa
	if p.Enabled {
		if p.Remaining, err = h.mfa.RemainingCodes(c.Context(), acc.UserID); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (h mfaSettings) show(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	p, err := h.status(c, securityPage{})
	if err != nil {
		return err
	}
	if c.Query("disabled") == "1" && !p.Enabled {
		p.Notice = "Two-factor authentication is off."
	}
	return h.views.page(c, http.StatusOK, pageSettingsSecurity, p)
}

func accountName(acc *member) string {
	if acc.Email != "" {
		return acc.Email
	}
	return acc.UserID
}

// setup starts an enrollment with a new secret and shows it.
func (h mfaSettings) setup(c fiber.Ctx) error {
	acc := memberOf(c)
	key, err := h.mfa.Begin(c.Context(), acc.UserID, accountName(acc))
	if errors.Is(err, account.ErrMFAActive) {
		return h.refuse(c, http.StatusConflict, err.Error())
	}
	if err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, pageMFASetup, setupPage{Secret: key.Secret(), QRPath: pathMFAQR})
}

// qr serves the QR code of the pending enrollment as a PNG.
func (h mfaSettings) qr(c fiber.Ctx) error {
	acc := memberOf(c)
	u, err := h.db.User.Get(c.Context(), acc.UserID)
	if err != nil {
		return fmt.Errorf("web: mfa qr: %w", err)
	}
	key, err := h.mfa.PendingKey(u, accountName(acc))
	if errors.Is(err, account.ErrMFANoSetup) {
		return apperr.NotFound("QR code")
	}
	if err != nil {
		return err
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return fmt.Errorf("web: mfa qr: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return fmt.Errorf("web: mfa qr: %w", err)
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(b.Bytes())
}

// enable confirms the enrollment with a code and shows the recovery codes once. The
// session gets a new id: the account's sign-in changed.
func (h mfaSettings) enable(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	codes, err := h.mfa.Enable(ctx, acc.UserID, c.FormValue("code"))
	if errors.Is(err, account.ErrMFACode) {
		u, gerr := h.db.User.Get(ctx, acc.UserID)
		if gerr != nil {
			return fmt.Errorf("web: mfa enable: %w", gerr)
		}
		key, kerr := h.mfa.PendingKey(u, accountName(acc))
		if kerr != nil {
			return h.refuse(c, http.StatusUnprocessableEntity, account.ErrMFANoSetup.Error())
		}
		return h.views.page(c, http.StatusUnprocessableEntity, pageMFASetup,
			setupPage{Secret: key.Secret(), QRPath: pathMFAQR, Error: err.Error()})
	}
	if errors.Is(err, account.ErrMFAActive) || errors.Is(err, account.ErrMFANoSetup) {
		return h.refuse(c, http.StatusUnprocessableEntity, err.Error())
	}
	if err != nil {
		return err
	}
	h.audit(ctx, audit.Event{Name: eventMFAEnabled, OrgID: acc.OrgID, ActorID: acc.UserID, Target: acc.UserID})
	if err := h.sessions.renew(c); err != nil {
		return err
	}
	acc.MFAEnabled, acc.MustEnrollMFA = true, false
	return h.views.page(c, http.StatusOK, pageMFACodes, codesPage{Codes: codes})
}

// disable turns MFA off after a valid code; refused while the organization requires it.
func (h mfaSettings) disable(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	o, err := h.db.Organization.Get(ctx, acc.OrgID)
	if err != nil {
		return fmt.Errorf("web: mfa disable: %w", err)
	}
	if o.RequireMfa {
		return h.refuse(c, http.StatusUnprocessableEntity, msgOrgRequiresMFA)
	}
	if _, err := h.mfa.Verify(ctx, acc.UserID, c.FormValue("code")); err != nil {
		if errors.Is(err, account.ErrMFACode) || errors.Is(err, account.ErrMFAReplayed) || errors.Is(err, account.ErrMFANotActive) {
			return h.refuse(c, http.StatusUnprocessableEntity, err.Error())
		}
		return err
	}
	if err := h.mfa.Disable(ctx, acc.UserID); err != nil {
		return err
	}
	h.audit(ctx, audit.Event{Name: eventMFADisabled, OrgID: acc.OrgID, ActorID: acc.UserID, Target: acc.UserID})
	if err := h.sessions.renew(c); err != nil {
		return err
	}
	return redirect(c, pathSettingsSecurity+"?disabled=1")
}

// regenerate replaces the recovery codes and shows the new ones once.
func (h mfaSettings) regenerate(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	codes, err := h.mfa.RegenerateCodes(ctx, acc.UserID)
	if errors.Is(err, account.ErrMFANotActive) {
		return h.refuse(c, http.StatusUnprocessableEntity, err.Error())
	}
	if err != nil {
		return err
	}
	h.audit(ctx, audit.Event{Name: eventMFACodes, OrgID: acc.OrgID, ActorID: acc.UserID, Target: acc.UserID})
	return h.views.page(c, http.StatusOK, pageMFACodes, codesPage{Codes: codes})
}

// refuse shows the security page with an error, changing nothing.
func (h mfaSettings) refuse(c fiber.Ctx, status int, msg string) error {
	p, err := h.status(c, securityPage{Error: msg})
	if err != nil {
		return err
	}
	return h.views.page(c, status, pageSettingsSecurity, p)
}

// refused is refuse with the rate limit's message.
func (h mfaSettings) refused(c fiber.Ctx, msg string) error {
	return h.refuse(c, http.StatusTooManyRequests, msg)
}
