package web

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/audit"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
)

const (
	pathSettingsOrgSecurity = "/settings/organization/security"
	pageSettingsOrgSecurity = "pages/settings_org_security"
)

// orgSecurity is the organization's sign-in policy: whether its members must use MFA.
// Every member sees it; owners and admins change it. The requirement applies to the
// organization a session is in: a member of several organizations is held to it while
// acting in this one (see authn.check), and is asked to set up MFA on entering it.
type orgSecurity struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	audit    audit.Func
}

// orgSecurityPage is the setting and whether the member may change it.
type orgSecurityPage struct {
	RequireMFA bool
	CanChange  bool
	Error      string
	Notice     string
}

func mayChangeOrgSecurity(m *member) bool {
	return m != nil && (m.Role == string(membership.RoleOwner) || m.Role == string(membership.RoleAdmin))
}

func (h orgSecurity) load(c fiber.Ctx, p orgSecurityPage) (orgSecurityPage, error) {
	acc := memberOf(c)
	o, err := h.db.Organization.Get(c.Context(), acc.OrgID)
	if err != nil {
		return p, fmt.Errorf("web: organization security: %w", err)
	}
	p.RequireMFA, p.CanChange = o.RequireMfa, mayChangeOrgSecurity(acc)
	return p, nil
}

func (h orgSecurity) show(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	p, err := h.load(c, orgSecurityPage{})
	if err != nil {
		return err
	}
	if c.Query("saved") == "1" {
		p.Notice = "Saved."
	}
	return h.views.page(c, http.StatusOK, pageSettingsOrgSecurity, p)
}

// update sets require_mfa. Members get 403; an owner or admin without MFA cannot
// require it (they would lock themselves out of this page): 422, nothing changes.
func (h orgSecurity) update(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	p, err := h.load(c, orgSecurityPage{})
	if err != nil {
		return err
	}
	if !p.CanChange {
		p.Error = "Only owners and admins can change the organization's security settings."
		return h.views.page(c, http.StatusForbidden, pageSettingsOrgSecurity, p)
	}
	want := c.FormValue("require_mfa") == "on"
	if want && !acc.MFAEnabled {
		p.Error = "Turn on two-factor authentication for your own account first."
		return h.views.page(c, http.StatusUnprocessableEntity, pageSettingsOrgSecurity, p)
	}
	if want != p.RequireMFA {
		if err := h.db.Organization.UpdateOneID(acc.OrgID).SetRequireMfa(want).Exec(ctx); err != nil {
			return fmt.Errorf("web: organization security: %w", err)
		}
		target := "off"
		if want {
			target = "on"
		}
		h.audit(ctx, audit.Event{Name: eventOrgMFA, OrgID: acc.OrgID, ActorID: acc.UserID, Target: target})
	}
	return redirect(c, pathSettingsOrgSecurity+"?saved=1")
}
