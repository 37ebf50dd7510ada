package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/jobs"
)

// deliveryView is one entry of an endpoint's delivery log.
type deliveryView struct {
	ID              string          `json:"id"`
	EndpointID      string          `json:"endpoint_id"`
	EventID         string          `json:"event_id"`
	EventType       string          `json:"event_type"`
	TaskID          *string         `json:"task_id"`
	Status          string          `json:"status"`
	Attempts        int             `json:"attempts"`
	LastStatusCode  *int            `json:"last_status_code"`
	LastError       string          `json:"last_error"`
	ResponseExcerpt string          `json:"response_excerpt"`
	NextAttemptAt   *time.Time      `json:"next_attempt_at"`
	LastAttemptAt   *time.Time      `json:"last_attempt_at"`
	CreatedAt       time.Time       `json:"created_at"`
	Payload         json.RawMessage `json:"payload"`
}

func viewDelivery(d *entapi.WebhookDelivery) deliveryView {
	v := deliveryView{
		ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
		Status: string(d.Status), Attempts: d.Attempts, LastError: d.LastError,
		ResponseExcerpt: d.ResponseExcerpt, LastAttemptAt: stampPtr(d.LastAttemptAt),
		CreatedAt: stamp(d.CreatedAt), Payload: d.Payload,
	}
	if d.TaskID != "" {
		v.TaskID = &d.TaskID
	}
	if d.LastStatusCode != 0 {
		v.LastStatusCode = &d.LastStatusCode
	}
	if d.Status == webhookdelivery.StatusPending || d.Status == webhookdelivery.StatusFailed {
		v.NextAttemptAt = stampPtr(d.NextAttemptAt)
	}
	return v
}

func deliveryID(d *entapi.WebhookDelivery) string { return d.ID }

// deliveries answers the endpoint's delivery log, newest first.
func (h webhookHandlers) deliveries(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	e, err := h.load(c)
	if err != nil {
		return err
	}
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := h.db.WebhookDelivery.Query().Where(webhookdelivery.EndpointID(e.ID))
	if p.cursor != "" {
		q = q.Where(webhookdelivery.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(webhookdelivery.FieldID)).Limit(p.limit + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("webhooks: deliveries: %w", err)
	}
	return c.JSON(newList(rows, p, deliveryID, viewDelivery))
}

// redeliver makes the delivery due now, whatever its status: one more attempt, with
// the same webhook-id so the receiver can recognise the message.
func (h webhookHandlers) redeliver(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	d, err := h.db.WebhookDelivery.Get(c.Context(), c.Params("id"))
	if entapi.IsNotFound(err) {
		return apperr.NotFound("webhook delivery")
	}
	if err != nil {
		return fmt.Errorf("webhooks: load delivery: %w", err)
	}
	e, err := h.db.WebhookEndpoint.Get(c.Context(), d.EndpointID)
	if entapi.IsNotFound(err) || (err == nil && e.DeletedAt != nil) {
		return apperr.NotFound("webhook delivery")
	}
	if err != nil {
		return fmt.Errorf("webhooks: load endpoint: %w", err)
	}
	if !e.Enabled {
		return apperr.Conflict("the endpoint is disabled; enable it before redelivering")
	}
	d, err = h.db.WebhookDelivery.UpdateOne(d).
		SetStatus(webhookdelivery.StatusPending).SetNextAttemptAt(h.now().UTC()).
		Save(c.Context())
	if err != nil {
		return fmt.Errorf("webhooks: redeliver: %w", err)
	}
	h.jobs.RingDelivery(d.ID)
	return c.Status(fiber.StatusAccepted).JSON(viewDelivery(d))
}

// test sends the endpoint a webhook.ping event.
func (h webhookHandlers) test(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	e, err := h.load(c)
	if err != nil {
		return err
	}
	if !e.Enabled {
		return apperr.Conflict("the endpoint is disabled; enable it before testing it")
	}
	at := h.now().UTC()
	body, err := json.Marshal(jobs.EndpointEvent{Type: webhook.EventPing, Timestamp: at,
		Data: map[string]string{"endpoint_id": e.ID}})
	if err != nil {
		return fmt.Errorf("webhooks: ping body: %w", err)
	}
	d, err := h.db.WebhookDelivery.Create().
		SetEndpointID(e.ID).SetEventID("msg_" + platform.NewID()).SetEventType(webhook.EventPing).
		SetPayload(body).SetNextAttemptAt(at).
		Save(c.Context())
	if err != nil {
		return fmt.Errorf("webhooks: ping: %w", err)
	}
	h.jobs.RingDelivery(d.ID)
	return c.Status(fiber.StatusAccepted).JSON(viewDelivery(d))
}
