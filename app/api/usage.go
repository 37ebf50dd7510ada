package api

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
)

// usageHandlers serve GET /v1/api/usage.
type usageHandlers struct {
	db  *entapi.Client
	now func() time.Time
}

// usageView is the JSON of GET /v1/api/usage. Limits are those the request is held to;
// a 0 limit is not set by a plan (the server's default applies).
type usageView struct {
	Plan        string      `json:"plan"`
	PeriodStart time.Time   `json:"period_start"`
	PeriodEnd   time.Time   `json:"period_end"`
	Limits      plan.Limits `json:"limits"`
	Usage       usageCounts `json:"usage"`
}

type usageCounts struct {
	Tasks        int64 `json:"tasks"`
	Rows         int64 `json:"rows"`
	StorageBytes int64 `json:"storage_bytes"`
}

// show answers with the caller's plan, its limits and the usage of this period.
func (h usageHandlers) show(c fiber.Ctx) error {
	ctx := c.Context()
	org, _ := tenant.OrgID(ctx)
	q := quotaOf(ctx)
	cur, err := usage.Current(ctx, h.db, org, h.now())
	if err != nil {
		return fmt.Errorf("usage: show: %w", err)
	}
	return c.JSON(usageView{
		Plan: q.plan, PeriodStart: cur.PeriodStart, PeriodEnd: usage.PeriodEnd(cur.PeriodStart), Limits: q.limits,
		Usage: usageCounts{Tasks: cur.Tasks, Rows: cur.Rows, StorageBytes: cur.StorageBytes},
	})
}

// chargeTask counts a new task against the plan's tasks per month, in the transaction
// that writes it.
func chargeTask(limit int64) func(context.Context, *entapi.Tx, *entapi.Task) error {
	return func(ctx context.Context, tx *entapi.Tx, t *entapi.Task) error {
		return usage.ChargeTask(ctx, tx, t.OrgID, t.ID, limit, time.Now())
	}
}
