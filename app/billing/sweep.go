package billing

import (
	"context"
	"fmt"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/subscription"
)

// Sweep moves organizations whose subscription is past due beyond the grace period to
// Free; no event marks that moment. It returns how many it moved. Running it twice, or
// on several instances at once, moves each organization once.
func (s *Sync) Sweep(ctx context.Context) (int, error) {
	ctx = tenant.System(ctx)
	cutoff := s.Now().UTC().Add(-s.Grace)
	subs, err := s.DB.Subscription.Query().Where(subscription.StatusEQ(subscription.StatusPastDue),
		subscription.PastDueSinceLTE(cutoff)).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("billing: sweep: %w", err)
	}
	moved := 0
	for _, sub := range subs {
		tx, err := s.DB.Tx(ctx)
		if err != nil {
			return moved, fmt.Errorf("billing: sweep: %w", err)
		}
		n, err := tx.Organization.Update().Where(organization.ID(sub.OrgID), organization.PlanNEQ(plan.Free)).
			SetPlan(plan.Free).Save(ctx)
		if err == nil && n > 0 {
			_, err = s.Audit.AppendTx(ctx, tx, audit.Event{Name: EventPlanChanged, OrgID: sub.OrgID,
				TargetType: "organization", Target: sub.OrgID,
				Details: map[string]string{"from": sub.Plan, "to": plan.Free, "status": StatusPastDue, "reason": "grace_period_ended"}})
		}
		if err != nil {
			_ = tx.Rollback()
			return moved, fmt.Errorf("billing: sweep: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return moved, fmt.Errorf("billing: sweep: commit: %w", err)
		}
		moved += n
	}
	return moved, nil
}
