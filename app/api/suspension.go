package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/google/uuid"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	enttenant "github.com/assayhq/assay/ent/api/tenant"
)

// problemSuspended is the problem type of a request refused because staff suspended
// the caller's organization.
const problemSuspended = "urn:assay:problem:suspended"

// errSuspended refuses every request of a suspended organization's keys and tokens.
var errSuspended = &apperr.Error{Status: http.StatusForbidden, Title: "Organization suspended",
	Detail: "This organization is suspended, so its API keys and tokens are refused. Contact support to restore it."}

// refuseSuspended answers errSuspended when org's tenant row is suspended, for the web
// app's tokens (an API key's request reads the tenant row anyway and checks it there).
// The row is read on every request, so a suspension or restore pushed to any API
// instance holds at once everywhere.
func refuseSuspended(ctx context.Context, db *entapi.Client, org string) error {
	suspended, err := db.Tenant.Query().Where(enttenant.ID(org), enttenant.SuspendedAtNotNil()).Exist(tenant.System(ctx))
	if err != nil {
		return fmt.Errorf("auth: tenant suspension: %w", err)
	}
	if suspended {
		return errSuspended
	}
	return nil
}

// isSuspended reports whether err refuses a suspended organization.
func isSuspended(err error) bool { return errors.Is(err, errSuspended) }

// suspensionHandlers receive the backoffice's suspensions and restores (service tokens
// only), so the API refuses a suspended organization as the web app does.
type suspensionHandlers struct {
	db  *entapi.Client
	now func() time.Time
}

// suspensionPush is the body of PUT /v1/internal/service/tenants/{org_id}/suspension.
type suspensionPush struct {
	Suspended *bool `json:"suspended"`
}

// suspensionView is the answer: the tenant's suspension after the push.
type suspensionView struct {
	OrgID       string     `json:"org_id"`
	Suspended   bool       `json:"suspended"`
	SuspendedAt *time.Time `json:"suspended_at"`
}

// put suspends or restores tenant :org_id, creating its row if missing (a suspension may
// come before the organization's first API call). Repeating it changes nothing: a
// suspension keeps its first time.
func (h suspensionHandlers) put(c fiber.Ctx) error {
	org := c.Params("org_id")
	if _, err := uuid.Parse(org); err != nil {
		return apperr.NotFound("tenant")
	}
	var in suspensionPush
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Suspended == nil {
		return apperr.Invalid("suspended is required: true to suspend, false to restore")
	}
	ctx := tenant.System(c.Context())
	err := h.db.Tenant.Create().SetID(org).OnConflictColumns(enttenant.FieldID).Ignore().Exec(ctx)
	if err != nil {
		return fmt.Errorf("suspension: tenant: %w", err)
	}
	if *in.Suspended {
		err = h.db.Tenant.Update().Where(enttenant.ID(org), enttenant.SuspendedAtIsNil()).
			SetSuspendedAt(h.now().UTC()).Exec(ctx)
	} else {
		err = h.db.Tenant.Update().Where(enttenant.ID(org), enttenant.SuspendedAtNotNil()).
			ClearSuspendedAt().Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("suspension: update: %w", err)
	}
	t, err := h.db.Tenant.Get(ctx, org)
	if err != nil {
		return fmt.Errorf("suspension: reload: %w", err)
	}
	return c.JSON(suspensionView{OrgID: org, Suspended: t.SuspendedAt != nil, SuspendedAt: stampPtr(t.SuspendedAt)})
}
