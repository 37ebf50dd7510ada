package api

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

// planPushHandlers receive the web app's plan pushes, so API-key clients are held to
// their organization's plan as soon as it changes.
type planPushHandlers struct {
	db    *entapi.Client
	auth  *authenticator
	audit *audit.APILog
}

// planPush is the body of PUT /v1/internal/service/tenants/{org_id}/plan and its answer.
// PlanAt is when the web app read the plan (microseconds since the Unix epoch): a push
// older than what the tenant row holds changes nothing, and the answer shows the plan
// the row keeps.
type planPush struct {
	OrgID  string      `json:"org_id"`
	Plan   string      `json:"plan"`
	Limits plan.Limits `json:"limits"`
	PlanAt int64       `json:"plan_at,omitempty"`
}

// put stores an organization's plan and limits, creating its tenant row if missing.
// Putting the same plan again changes nothing: the call is idempotent. A plan read
// before the one stored (an older plan_at) is not written.
func (h planPushHandlers) put(c fiber.Ctx) error {
	org := c.Params("org_id")
	if org == "" || len(org) > 36 {
		return apperr.NotFound("tenant")
	}
	var in planPush
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if _, ok := plan.Get(in.Plan); !ok {
		return apperr.Invalid(fmt.Sprintf("unknown plan %q", in.Plan))
	}
	l := in.Limits
	for name, v := range map[string]int64{
		"max_upload_bytes": l.MaxUploadBytes, "max_rows": l.MaxRows, "tasks_per_month": l.TasksPerMonth,
		"members": l.Members, "api_rate_per_minute": l.APIRatePerMinute, "retention_days": l.RetentionDays,
	} {
		if v <= 0 {
			return apperr.Invalid(fmt.Sprintf("limits.%s must be a positive number", name))
		}
	}
	if in.PlanAt < 0 {
		return apperr.Invalid("plan_at must not be negative")
	}
	p := tenantPlan{plan: in.Plan, limits: l, at: in.PlanAt}
	// No tenant in context here: the row is written with the system scope. The plan
	// before is read first, so a repeated push (the web app's sweep retries) is not
	// audited as a change.
	// The change and its audit entry commit together.
	var stored bool
	err := withAudit(c.Context(), h.db, h.audit, func(tx *entapi.Tx) (audit.Event, error) {
		before := ""
		if t, err := tx.Tenant.Get(tenant.System(c.Context()), org); err == nil {
			before = t.Plan
		}
		var err error
		if stored, err = upsertTenant(c.Context(), tx.Client(), org, p); err != nil || !stored || before == in.Plan {
			return audit.Event{}, err
		}
		return audit.Event{Name: audit.TenantPlanChanged, OrgID: org, TargetType: "tenant", Target: org,
			Details: map[string]string{"from": before, "plan": in.Plan, audit.DetailActorType: audit.ActorTypeWebApp}}, nil
	})
	if err != nil {
		return err
	}
	if stored {
		h.auth.remember(org, p)
		return c.Status(http.StatusOK).JSON(planPush{OrgID: org, Plan: in.Plan, Limits: l, PlanAt: in.PlanAt})
	}
	t, err := h.db.Tenant.Get(tenant.System(c.Context()), org)
	if err != nil {
		return fmt.Errorf("plans: reload tenant: %w", err)
	}
	q := tenantQuota(t)
	return c.Status(http.StatusOK).JSON(planPush{OrgID: org, Plan: q.plan, Limits: q.limits, PlanAt: t.PlanAt})
}
