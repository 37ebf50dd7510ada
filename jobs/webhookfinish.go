package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/outbox"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// topicWebEndpoint is the outbox topic of messages to the web app about an endpoint.
const topicWebEndpoint = "web.endpoint"

// Reasons an endpoint is disabled, shown to its organization.
const (
	reasonGone    = "the endpoint answered 410 Gone"
	reasonFailing = "no delivery succeeded for 5 days"
)

// finishDelivery records attempt's result on the delivery (fenced by its attempt
// count), logs the attempt, moves the endpoint's failure clock and disables the
// endpoint when it answered 410 or has failed for disableAfter. final ends the
// delivery whatever happened.
func (r *Runner) finishDelivery(ctx context.Context, d *entapi.WebhookDelivery, ep *entapi.WebhookEndpoint,
	attempt int, res attemptResult, at time.Time, final bool,
) error {
	status := webhookdelivery.StatusExhausted
	var next *time.Time
	disable := ""
	switch {
	case res.ok():
		status = webhookdelivery.StatusSucceeded
	case final:
	case res.code == http.StatusGone:
		disable = reasonGone
	default:
		if delay, ok := deliveryRetryDelay(attempt); ok {
			status = webhookdelivery.StatusFailed
			t := at.Add(delay)
			next = &t
		}
	}
	var msg *entapi.Outbox
	err := withTx(ctx, r.db, func(tx *entapi.Tx) error {
		u := tx.WebhookDelivery.Update().
			Where(webhookdelivery.ID(d.ID), webhookdelivery.Attempts(attempt)).
			SetStatus(status).SetLastAttemptAt(at).SetLastStatusCode(res.code).
			SetLastError(clip(res.err)).SetResponseExcerpt(res.excerpt)
		if next != nil {
			u.SetNextAttemptAt(*next)
		} else {
			u.ClearNextAttemptAt()
		}
		n, err := u.Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		err = tx.WebhookAttempt.Create().
			SetOrgID(d.OrgID).SetDeliveryID(d.ID).SetEndpointID(d.EndpointID).SetAttempt(attempt).
			SetStatusCode(res.code).SetError(clip(res.err)).SetResponseExcerpt(res.excerpt).
			SetDurationMs(res.duration.Milliseconds()).
			Exec(ctx)
		if err != nil || ep == nil || final {
			return err
		}
		if res.ok() {
			return tx.WebhookEndpoint.UpdateOneID(ep.ID).SetLastSuccessAt(at).ClearFailingSince().Exec(ctx)
		}
		cur, err := tx.WebhookEndpoint.Get(ctx, ep.ID)
		if err != nil {
			return err
		}
		if cur.FailingSince == nil {
			if err := tx.WebhookEndpoint.UpdateOneID(ep.ID).SetFailingSince(at).Exec(ctx); err != nil {
				return err
			}
		} else if disable == "" && at.Sub(*cur.FailingSince) >= disableAfter {
			disable = reasonFailing
		}
		if disable != "" {
			msg, err = disableEndpoint(ctx, tx, cur, disable, at)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("jobs: record delivery %s: %w", d.ID, err)
	}
	r.deps.Metrics.WebhookDelivered("endpoint_" + string(status))
	if next != nil {
		r.disp.enqueueDelivery(d.ID, next.Sub(at))
	}
	if msg != nil {
		r.log.Info("jobs: webhook endpoint disabled", "endpoint_id", ep.ID, "org_id", ep.OrgID, "reason", disable)
		r.sendWebMessage(ctx, msg)
	}
	return nil
}

// disableEndpoint disables ep in tx, ends its unfinished deliveries, and writes the
// message that has the web app email the organization's owners. It returns nil when
// ep was disabled already.
func disableEndpoint(ctx context.Context, tx *entapi.Tx, ep *entapi.WebhookEndpoint, reason string, at time.Time) (*entapi.Outbox, error) {
	n, err := tx.WebhookEndpoint.Update().
		Where(webhookendpoint.ID(ep.ID), webhookendpoint.Enabled(true)).
		SetEnabled(false).SetDisabledAt(at).SetDisabledReason(reason).
		Save(ctx)
	if err != nil || n == 0 {
		return nil, err
	}
	err = tx.WebhookDelivery.Update().
		Where(webhookdelivery.EndpointID(ep.ID),
			webhookdelivery.StatusIn(webhookdelivery.StatusPending, webhookdelivery.StatusFailed)).
		SetStatus(webhookdelivery.StatusExhausted).ClearNextAttemptAt().
		SetLastError("the endpoint was disabled: " + reason).
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := audit.AppendAPITx(ctx, tx, audit.Event{Name: audit.WebhookEndpointDisabled, OrgID: ep.OrgID,
		TargetType: "webhook_endpoint", Target: ep.ID,
		Details: map[string]string{"reason": reason, audit.DetailActorType: audit.ActorTypeSystem}}); err != nil {
		return nil, err
	}
	body, err := json.Marshal(webhook.EndpointDisabledEvent{Type: webhook.EventEndpointDisabled,
		Data: webhook.EndpointDisabledData{EndpointID: ep.ID, OrgID: ep.OrgID, URL: ep.URL, Reason: reason, DisabledAt: at}})
	if err != nil {
		return nil, err
	}
	return tx.Outbox.Create().SetOrgID(ep.OrgID).SetTopic(topicWebEndpoint).SetPayload(body).Save(ctx)
}

// sendWebMessage posts one outbox message to the web app and marks it sent; a failure
// is recorded and left to the reconciler.
func (r *Runner) sendWebMessage(ctx context.Context, m *entapi.Outbox) {
	if r.deps.WebURL == "" {
		r.log.Warn("jobs: no web URL configured; message not sent", "outbox_id", m.ID, "topic", m.Topic)
		return
	}
	if err := r.post(ctx, m); err != nil {
		r.deps.Metrics.WebhookDelivered("failed")
		uerr := r.db.Outbox.UpdateOneID(m.ID).AddAttempts(1).SetLastError(clip(err.Error())).Exec(ctx)
		if uerr != nil {
			r.log.Warn("jobs: record message failure", "outbox_id", m.ID, "err", uerr)
		}
		return
	}
	r.deps.Metrics.WebhookDelivered("delivered")
	err := r.db.Outbox.Update().Where(outbox.ID(m.ID), outbox.SentAtIsNil()).
		SetSentAt(now()).AddAttempts(1).SetLastError("").Exec(ctx)
	if err != nil {
		r.log.Warn("jobs: mark message sent", "outbox_id", m.ID, "err", err)
	}
}
