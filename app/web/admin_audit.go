package web

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/ent/web/auditentry"
)

type adminAuditPage struct {
	// Filters: action prefix, organization id, actor (email or id).
	Action, Org, Actor string
	Rows               []adminAuditRow
	Older              string
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
	return h.page(c, http.StatusOK, "admin/audit", p)
}
