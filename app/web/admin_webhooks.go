package web

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/receivedwebhook"
)

type webhooksPage struct {
	Source, Event string
	Rows          []*entweb.ReceivedWebhook
	Next          string
}

// webhooksList lists received webhooks, newest first: ?source=, ?event= (prefix).
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
	return h.page(c, http.StatusOK, "admin/webhooks", p)
}
