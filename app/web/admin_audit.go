package web

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/ent/web/auditentry"
)

type adminAuditPage struct {
	// Filters: action prefix, organization id, actor (email or id).
	Action, Org, Actor string
	Rows               []adminAuditRow
	Older              string
	// APIRows are the API database's entries under the same filters (the actor as an
	// id), APIOlder the cursor of their next page; APIUnavailable is set when the API
	// did not answer.
	APIRows        []adminAuditRow
	APIOlder       string
	APIUnavailable bool
}

type adminAuditRow struct {
	auditRow
	OrgID string
}

// auditList is the whole audit log, all organizations, newest first, with filters.
func (h *adminPages) auditList(c fiber.Ctx) error {
	p := adminAuditPage{Action: likeQuery(c.Query("action")), Org: likeQuery(c.Query("org")), Actor: likeQuery(c.Query("actor"))}
	q := h.db.AuditEntry.Query()
	if p.Action != "" {
		q = q.Where(auditentry.ActionHasPrefix(p.Action))
	}
	if p.Org != "" {
		q = q.Where(auditentry.OrgID(p.Org))
	}
	if p.Actor != "" {
		q = q.Where(auditentry.Or(auditentry.ActorID(p.Actor), auditentry.ActorEmailEqualFold(p.Actor)))
	}
	rows, older, err := auditPageOf(c, q, adminPageSize)
	if err != nil {
		return fmt.Errorf("web: admin audit: %w", err)
	}
	p.Older = older
	for _, r := range rows {
		org := ""
		if r.OrgID != nil {
			org = *r.OrgID
		}
		p.Rows = append(p.Rows, adminAuditRow{auditRow: auditRowOf(r), OrgID: org})
	}
	l, err := h.api.allAuditEntries(c.Context(), p.Action, p.Org, p.Actor, c.Query("api_cursor"), adminPageSize)
	if err != nil {
		h.log.WarnContext(c.Context(), "web: admin audit: api entries", slog.Any("error", err))
		p.APIUnavailable = true
	} else {
		for _, e := range l.Data {
			org := ""
			if e.OrgID != nil {
				org = *e.OrgID
			}
			p.APIRows = append(p.APIRows, adminAuditRow{auditRow: apiAuditRowOf(e), OrgID: org})
		}
		if l.NextCursor != nil {
			p.APIOlder = *l.NextCursor
		}
	}
	return h.page(c, http.StatusOK, "admin/audit", p)
}
