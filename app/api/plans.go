package api

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/plan"
	entapi "github.com/assayhq/assay/ent/api"
)

// planPushHandlers receive the web app's plan pushes, so API-key clients are held to
// their organization's plan as soon as it changes.
type planPushHandlers struct {
	db   *entapi.Client
	auth *authenticator
}

// planPush is the body of PUT /v1/internal/service/tenants/{org_id}/plan and its answer.
type planPush struct {
	OrgID  string      `json:"org_id"`
	Plan   string      `json:"plan"`
	Limits plan.Limits `json:"limits"`
}

// put stores an organization's plan and limits, creating its tenant row if missing.
// Putting the same plan again changes nothing: the call is idempotent.
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
	p := tenantPlan{plan: in.Plan, limits: l}
	// No tenant in context here: the row is written with the system scope.
	if err := upsertTenant(c.Context(), h.db, org, p); err != nil {
		return err
	}
	h.auth.remember(org, p)
	return c.Status(http.StatusOK).JSON(planPush{OrgID: org, Plan: in.Plan, Limits: l})
}
