package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/task"
)

// maxWebhookBody bounds what the receiver reads.
const maxWebhookBody = 1 << 20

// webhooks receives the API's signed task webhooks and keeps the web Task view current.
type webhooks struct {
	db     *entweb.Client
	secret string
	now    func() time.Time
	// outbox and queue write and send the emails some events call for (endpoint.disabled);
	// a nil outbox writes none.
	outbox *mail.Outbox
	queue  mail.Queue
}

// receive handles POST /webhooks/api: verify, then record the webhook id and update the
// task in one transaction; a webhook id seen before changes nothing.
func (h webhooks) receive(c fiber.Ctx) error {
	body := c.Body()
	id := c.Get(webhook.HeaderID)
	err := webhook.Verify(h.secret, id, c.Get(webhook.HeaderTimestamp), c.Get(webhook.HeaderSignature), body, h.now())
	switch {
	case errors.Is(err, webhook.ErrMissingHeaders), errors.Is(err, webhook.ErrBadTimestamp):
		return apperr.BadRequest("Malformed webhook headers.").WithErr(err)
	case err != nil:
		return apperr.Unauthorized("Invalid webhook signature.").WithErr(err)
	}
	var p webhook.TaskEvent
	if err := json.Unmarshal(body, &p); err != nil {
		return apperr.BadRequest("The webhook body is not valid JSON.").WithErr(err)
	}
	if p.Type == webhook.EventEndpointDisabled {
		return h.endpointDisabled(c, id, body)
	}
	if p.Type == webhook.EventUsageThreshold {
		return h.usageThreshold(c, id, body)
	}
	if !webhook.IsTaskEvent(p.Type) {
		return c.Status(http.StatusOK).SendString("ignored")
	}
	if p.Data.ID == "" || p.Data.OrgID == "" || p.Data.DatasetID == "" || p.Data.Status == "" {
		return apperr.BadRequest("The webhook lacks task fields.")
	}
	replay, err := h.record(c, id, p)
	if err != nil {
		return err
	}
	if replay {
		return c.Status(http.StatusOK).SendString("already received")
	}
	return c.Status(http.StatusOK).SendString("ok")
}

// record stores the webhook id and upserts the task in one transaction; it reports a
// webhook id it has stored before.
func (h webhooks) record(c fiber.Ctx, id string, p webhook.TaskEvent) (replay bool, err error) {
	ctx := c.Context()
	tx, err := h.db.Tx(ctx)
	if err != nil {
		return false, fmt.Errorf("web: webhook: begin: %w", err)
	}
	defer func() {
		if err != nil || replay {
			_ = tx.Rollback()
		}
	}()
	err = tx.ReceivedWebhook.Create().SetID(id).SetSource("api").SetEvent(p.Type).
		SetReceivedAt(h.now().UTC()).Exec(ctx)
	if entweb.IsConstraintError(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("web: webhook: record: %w", err)
	}
	d := p.Data
	create := tx.Task.Create().SetID(d.ID).SetDatasetID(d.DatasetID).SetDatasetName(d.DatasetName).
		SetStatus(d.Status).SetStage(d.Stage).SetNillableScore(d.Score).SetError(d.Error).
		SetNillableFinishedAt(d.FinishedAt)
	err = create.OnConflictColumns(task.FieldID).Update(func(u *entweb.TaskUpsert) {
		u.UpdateDatasetID().UpdateStatus().UpdateStage().UpdateScore().UpdateError().
			UpdateFinishedAt().UpdateUpdatedAt()
		if d.DatasetName != "" {
			u.UpdateDatasetName()
		}
	}).Exec(tenant.With(ctx, d.OrgID))
	if err != nil {
		return false, fmt.Errorf("web: webhook: task: %w", err)
	}
	if err := tx.Commit(); err != nil {
		if entweb.IsConstraintError(err) {
			return true, nil
		}
		return false, fmt.Errorf("web: webhook: commit: %w", err)
	}
	return false, nil
}
