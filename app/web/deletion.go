package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/lifecycle"
)

// Paths and templates of the deletion settings.
const (
	pathSettingsAccountDelete = "/settings/account/delete"
	pathSettingsOrgDelete     = "/settings/organization/delete"
	pageSettingsAccountDelete = "pages/settings_account_delete"
	pageSettingsOrgDelete     = "pages/settings_org_delete"
)

// Messages of the deletion settings.
const (
	msgDeleteOwnersOnly = "Only the organization's owners can delete it."
	msgDeleteOrgName    = "Type the organization's name exactly to confirm."
	msgDeleteConfirm    = "Type DELETE to confirm."
	msgLastOwnerPrefix  = "You are the last owner of organizations that have other members: "
	msgLastOwnerSuffix  = ". Make another member an owner, or delete the organization, first."
)

// deletionPages schedule and cancel the deletion of the signed-in account and of the
// current organization; the lifecycle job carries them out after the grace period.
type deletionPages struct {
	deletions *lifecycle.Deletions
	sessions  *sessionManager
	views     *renderer
}

// deletionPage is either form: the scheduled date, if any, and what the last post left.
type deletionPage struct {
	OrgName   string
	DeletesAt *time.Time
	Grace     string // the grace period in words
	CanDelete bool
	Blocking  []string // organizations that block an account deletion
	Error     string
	Notice    string
	Confirm   string
}

func (h deletionPages) grace() string {
	g := h.deletions.Grace
	if g <= 0 {
		g = lifecycle.DefaultGrace
	}
	if g%(24*time.Hour) == 0 {
		n := int(g / (24 * time.Hour))
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return g.String()
}

func (h deletionPages) accountPage(ctx context.Context, acc *member) (deletionPage, error) {
	p := deletionPage{DeletesAt: acc.AccountDeletesAt, Grace: h.grace()}
	blocking, err := h.deletions.BlockingOrgs(ctx, acc.UserID)
	if err != nil {
		return p, err
	}
	p.Blocking = blocking
	if len(blocking) > 0 {
		p.Error = msgLastOwnerPrefix + strings.Join(blocking, ", ") + msgLastOwnerSuffix
	}
	p.CanDelete = len(blocking) == 0
	return p, nil
}

func (h deletionPages) accountForm(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	p, err := h.accountPage(c.Context(), memberOf(c))
	if err != nil {
		return fmt.Errorf("web: account deletion: %w", err)
	}
	return h.views.page(c, http.StatusOK, pageSettingsAccountDelete, p)
}

// scheduleAccount schedules the account's deletion (recent authentication required by
// the route). The last owner of a shared organization gets 422 and nothing changes.
func (h deletionPages) scheduleAccount(c fiber.Ctx) error {
	ctx := c.Context()
	acc := memberOf(c)
	p, err := h.accountPage(ctx, acc)
	if err != nil {
		return fmt.Errorf("web: account deletion: %w", err)
	}
	if strings.TrimSpace(c.FormValue("confirm")) != "DELETE" {
		p.Error = msgDeleteConfirm
		return h.views.page(c, http.StatusUnprocessableEntity, pageSettingsAccountDelete, p)
	}
	_, err = h.deletions.ScheduleAccount(ctx, acc.UserID)
	var last *lifecycle.LastOwnerError
	if errors.As(err, &last) {
		p.Error = msgLastOwnerPrefix + strings.Join(last.Orgs, ", ") + msgLastOwnerSuffix
		return h.views.page(c, http.StatusUnprocessableEntity, pageSettingsAccountDelete, p)
	}
	if err != nil {
		return fmt.Errorf("web: account deletion: %w", err)
	}
	return redirect(c, pathSettingsAccountDelete)
}

func (h deletionPages) cancelAccount(c fiber.Ctx) error {
	if err := h.deletions.CancelAccount(c.Context(), memberOf(c).UserID); err != nil {
		return fmt.Errorf("web: cancel account deletion: %w", err)
	}
	return redirect(c, pathSettingsAccountDelete)
}

func (h deletionPages) orgPage(acc *member) deletionPage {
	return deletionPage{OrgName: acc.OrgName, DeletesAt: acc.OrgDeletesAt, Grace: h.grace(),
		CanDelete: acc.Role == access.RoleOwner}
}

func (h deletionPages) orgForm(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, pageSettingsOrgDelete, h.orgPage(memberOf(c)))
}

// scheduleOrg schedules the organization's deletion: owners only (403), the name typed
// exactly (422).
func (h deletionPages) scheduleOrg(c fiber.Ctx) error {
	acc := memberOf(c)
	p := h.orgPage(acc)
	if !p.CanDelete {
		p.Error = msgDeleteOwnersOnly
		return h.views.page(c, http.StatusForbidden, pageSettingsOrgDelete, p)
	}
	p.Confirm = c.FormValue("org_name")
	if p.Confirm != acc.OrgName {
		p.Error = msgDeleteOrgName
		return h.views.page(c, http.StatusUnprocessableEntity, pageSettingsOrgDelete, p)
	}
	if _, err := h.deletions.ScheduleOrg(c.Context(), acc.OrgID, acc.UserID); err != nil {
		return fmt.Errorf("web: organization deletion: %w", err)
	}
	return redirect(c, pathSettingsOrgDelete)
}

func (h deletionPages) cancelOrg(c fiber.Ctx) error {
	acc := memberOf(c)
	if acc.Role != access.RoleOwner {
		p := h.orgPage(acc)
		p.Error = msgDeleteOwnersOnly
		return h.views.page(c, http.StatusForbidden, pageSettingsOrgDelete, p)
	}
	if err := h.deletions.CancelOrg(c.Context(), acc.OrgID, acc.UserID); err != nil {
		return fmt.Errorf("web: cancel organization deletion: %w", err)
	}
	return redirect(c, pathSettingsOrgDelete)
}

// apiTenantPurger deletes an organization's API data through the API's service
// endpoint.
type apiTenantPurger struct{ api *apiClient }

// PurgeTenant calls DELETE /v1/internal/service/tenants/{org_id}.
func (p apiTenantPurger) PurgeTenant(ctx context.Context, orgID string) (lifecycle.Summary, error) {
	var out struct {
		Deleted lifecycle.Summary `json:"deleted"`
	}
	if err := p.api.doService(ctx, http.MethodDelete, "/v1/internal/service/tenants/"+orgID, "", nil, &out); err != nil {
		return lifecycle.Summary{}, fmt.Errorf("web: purge tenant: %w", err)
	}
	return out.Deleted, nil
}
