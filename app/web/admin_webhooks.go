package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/receivedwebhook"
)

type webhooksPage struct {
	Source, Event string
	Rows          []*entweb.ReceivedWebhook
	Next          string
	Sent          sentWebhooks
}

// deliveryStatuses are the statuses the sent-webhook filter offers.
var deliveryStatuses = []string{"pending", "succeeded", "failed", "exhausted"}

// sentDelivery is a delivery to an organization's webhook endpoint, as the API's
// backoffice list returns it.
type sentDelivery struct {
	ID             string     `json:"id"`
	OrgID          string     `json:"org_id"`
	EndpointURL    string     `json:"endpoint_url"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
}

// sentWebhooks is the page's section of sent deliveries: ?sent_status=, ?sent_org=,
// ?sent_cursor=. Error says the API did not answer; the received list shows anyway.
type sentWebhooks struct {
	Status, Org string
	Statuses    []string
	Rows        []sentDelivery
	Next        string
	Error       string
}

// sentDeliveries reads one page of the deliveries to customers' endpoints from the API.
func (h *adminPages) sentDeliveries(ctx context.Context, status, org, cursor string) sentWebhooks {
	s := sentWebhooks{Status: status, Org: org, Statuses: deliveryStatuses}
	page := fetchAPIPage[sentDelivery](ctx, h.api, "/v1/internal/service/admin/webhook-deliveries",
		map[string]string{"status": status, "org": org, "cursor": cursor})
	s.Rows, s.Next, s.Error = page.Rows, page.Next, page.Error
	return s
}

// webhooksList lists received webhooks, newest first: ?source=, ?event= (prefix); and
// the webhooks sent to organizations' endpoints, from the API (sentWebhooks).
func (h *adminPages) webhooksList(c fiber.Ctx) error {
	p := webhooksPage{Source: likeQuery(c.Query("source")), Event: likeQuery(c.Query("event"))}
	q := h.db.ReceivedWebhook.Query()
	if p.Source != "" {
		q = q.Where(receivedwebhook.Source(p.Source))
	}
	if p.Event != "" {
		q = q.Where(receivedwebhook.EventHasPrefix(p.Event))
	}
	// The cursor is "received_at|id" of the last row: ids are the senders', not ordered.
	if cur := c.Query("cursor"); cur != "" {
		at, id, err := parseTimeCursor(cur)
		if err != nil {
			return errAdminHidden
		}
		q = q.Where(receivedwebhook.Or(receivedwebhook.ReceivedAtLT(at),
			receivedwebhook.And(receivedwebhook.ReceivedAt(at), receivedwebhook.IDLT(id))))
	}
	rows, err := q.Order(entweb.Desc(receivedwebhook.FieldReceivedAt), entweb.Desc(receivedwebhook.FieldID)).
		Limit(adminPageSize + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("web: admin webhooks: %w", err)
	}
	p.Rows, p.Next = cursorPage(rows, func(w *entweb.ReceivedWebhook) string { return timeCursor(w.ReceivedAt, w.ID) })
	p.Sent = h.sentDeliveries(c.Context(), c.Query("sent_status"), likeQuery(c.Query("sent_org")), c.Query("sent_cursor"))
	return h.page(c, http.StatusOK, "admin/webhooks", p)
}
