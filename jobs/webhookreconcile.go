package jobs

import (
	"context"
	"fmt"
	"time"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/outbox"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// redeliverAfter is how long a due delivery may wait unclaimed before the reconciler
// rings for it again: Redis lost its job, or its worker died holding the claim.
const redeliverAfter = 10 * time.Second

// webhookDeliveries rings again for deliveries due redeliverAfter ago. Moving
// next_attempt_at to now keeps the next pass from ringing again straight away.
func (rc *reconciler) webhookDeliveries(ctx context.Context) error {
	db := rc.r.db
	at := rc.r.deps.Clock().UTC()
	cutoff := at.Add(-redeliverAfter)
	rows, err := db.WebhookDelivery.Query().
		Where(webhookdelivery.StatusIn(webhookdelivery.StatusPending, webhookdelivery.StatusFailed),
			webhookdelivery.NextAttemptAtLTE(cutoff)).
		Order(webhookdelivery.ByNextAttemptAt()).Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("webhook deliveries: %w", err)
	}
	rung := 0
	for _, d := range rows {
		n, err := db.WebhookDelivery.Update().
			Where(webhookdelivery.ID(d.ID), webhookdelivery.Attempts(d.Attempts), webhookdelivery.NextAttemptAtLTE(cutoff)).
			SetNextAttemptAt(at).Save(ctx)
		if err != nil {
			return fmt.Errorf("webhook delivery %s: %w", d.ID, err)
		}
		if n == 1 {
			rc.r.disp.enqueueDelivery(d.ID, 0)
			rung++
		}
	}
	if rung > 0 {
		rc.r.log.Info("jobs: re-rang lost webhook deliveries", "count", rung)
		rc.r.disp.wake()
	}
	return nil
}

// quietFailingEndpoints disables endpoints that have failed for disableAfter without a
// success even when no attempt is due to notice it (their last deliveries ran out and
// no event came since), so their owners are told at the same moment as for a busy one.
func (rc *reconciler) quietFailingEndpoints(ctx context.Context) error {
	db := rc.r.db
	at := rc.r.deps.Clock().UTC()
	rows, err := db.WebhookEndpoint.Query().
		Where(webhookendpoint.Enabled(true), webhookendpoint.DeletedAtIsNil(),
			webhookendpoint.FailingSinceLTE(at.Add(-disableAfter))).
		Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("failing endpoints: %w", err)
	}
	for _, ep := range rows {
		var msg *entapi.Outbox
		err := withTx(ctx, db, func(tx *entapi.Tx) error {
			var err error
			msg, err = disableEndpoint(ctx, tx, ep, reasonFailing, at)
			return err
		})
		if err != nil {
			return fmt.Errorf("disable endpoint %s: %w", ep.ID, err)
		}
		if msg != nil {
			rc.r.log.Info("jobs: webhook endpoint disabled", "endpoint_id", ep.ID, "org_id", ep.OrgID, "reason", reasonFailing)
			rc.r.sendWebMessage(ctx, msg)
		}
	}
	return nil
}

// webMessages sends again the web app's endpoint messages that failed, waiting a
// minute more after each failed attempt.
func (rc *reconciler) webMessages(ctx context.Context) error {
	rows, err := rc.r.db.Outbox.Query().
		Where(outbox.Topic(topicWebEndpoint), outbox.SentAtIsNil(), outbox.AttemptsLT(50)).
		Order(outbox.ByCreatedAt()).Limit(reconcileBatch).All(ctx)
	if err != nil {
		return fmt.Errorf("web messages: %w", err)
	}
	for _, m := range rows {
		if m.Attempts > 0 && now().Sub(m.UpdatedAt) < time.Duration(m.Attempts)*time.Minute {
			continue
		}
		rc.r.sendWebMessage(ctx, m)
	}
	return nil
}
