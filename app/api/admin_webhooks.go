package api

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// adminDeliveryView is a customer-webhook delivery in the backoffice's cross-tenant log:
// the delivery with its organization and the endpoint's URL, without the payload (the
// organization's data stays with it; its own log shows it).
type adminDeliveryView struct {
	ID             string     `json:"id"`
	OrgID          string     `json:"org_id"`
	EndpointID     string     `json:"endpoint_id"`
	EndpointURL    string     `json:"endpoint_url"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	TaskID         *string    `json:"task_id"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// webhookDeliveries lists the deliveries to every organization's endpoints, newest
// first: ?status=, ?org=, ?cursor=, ?limit=.
func (h adminHandlers) webhookDeliveries(c fiber.Ctx) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	ctx := tenant.System(c.Context())
	q := h.db.WebhookDelivery.Query()
	if s := c.Query("status"); s != "" {
		st := webhookdelivery.Status(s)
		if err := webhookdelivery.StatusValidator(st); err != nil {
			return apperr.Invalid("status must be one of pending, succeeded, failed, exhausted")
		}
		q = q.Where(webhookdelivery.StatusEQ(st))
	}
	if org := c.Query("org"); org != "" {
		q = q.Where(webhookdelivery.OrgID(org))
	}
	if p.cursor != "" {
		q = q.Where(webhookdelivery.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(webhookdelivery.FieldID)).Limit(p.limit + 1).All(ctx)
	if err != nil {
		return fmt.Errorf("admin: webhook deliveries: %w", err)
	}
	ids := make([]string, 0, len(rows))
	for _, d := range rows {
		ids = append(ids, d.EndpointID)
	}
	// Deleted endpoints are soft-deleted: their URL still names where deliveries went.
	eps, err := h.db.WebhookEndpoint.Query().Where(webhookendpoint.IDIn(ids...)).All(ctx)
	if err != nil {
		return fmt.Errorf("admin: webhook endpoints: %w", err)
	}
	urls := make(map[string]string, len(eps))
	for _, e := range eps {
		urls[e.ID] = e.URL
	}
	view := func(d *entapi.WebhookDelivery) adminDeliveryView {
		v := viewDelivery(d)
		return adminDeliveryView{
			ID: v.ID, OrgID: d.OrgID, EndpointID: v.EndpointID, EndpointURL: urls[d.EndpointID],
			EventID: v.EventID, EventType: v.EventType, TaskID: v.TaskID, Status: v.Status, Attempts: v.Attempts,
			LastStatusCode: v.LastStatusCode, LastError: v.LastError, NextAttemptAt: v.NextAttemptAt,
			LastAttemptAt: v.LastAttemptAt, CreatedAt: v.CreatedAt,
		}
	}
	return c.JSON(newList(rows, p, deliveryID, view))
}
