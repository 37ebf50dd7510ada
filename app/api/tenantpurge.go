package api

import (
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v3"
	"github.com/google/uuid"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/lifecycle"
	"github.com/assayhq/assay/app/platform"
	entapi "github.com/assayhq/assay/ent/api"
)

// tenantPurgeHandlers serve the web app's deletion of an organization (service tokens
// only): every API row of the tenant and its blob files go.
type tenantPurgeHandlers struct {
	db    *entapi.Client
	blobs platform.Blobs
	log   *slog.Logger
}

// tenantPurgeView is the answer: what was deleted (nothing on a repeat).
type tenantPurgeView struct {
	OrgID   string            `json:"org_id"`
	Deleted lifecycle.Summary `json:"deleted"`
}

// purge hard-deletes tenant :org_id. It is idempotent: purging a tenant that is already
// gone, or never existed, answers 200 with nothing deleted.
func (h tenantPurgeHandlers) purge(c fiber.Ctx) error {
	orgID := c.Params("org_id")
	if _, err := uuid.Parse(orgID); err != nil {
		return apperr.NotFound("tenant")
	}
	sum, err := lifecycle.PurgeTenant(c.Context(), h.db, h.blobs, orgID)
	if err != nil {
		return fmt.Errorf("tenants: purge: %w", err)
	}
	h.log.InfoContext(c.Context(), "tenants: purged", slog.String("org_id", orgID), slog.Any("rows", sum.Rows))
	return c.JSON(tenantPurgeView{OrgID: orgID, Deleted: sum})
}
