package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	entweb "github.com/assayhq/assay/ent/web"
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
	if raw := c.Query("before"); raw != "" {
		before, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || before < 1 {
			return apperr.NotFound("page")
		}
		q = q.Where(auditentry.IDLT(before))
	}
	rows, err := q.Order(entweb.Desc(auditentry.FieldID)).Limit(adminPageSize + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("web: admin audit: %w", err)
	}
	if len(rows) > adminPageSize {
		rows = rows[:adminPageSize]
		p.Older = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	for _, r := range rows {
		row := auditRow{Seq: r.ID, At: r.At, Action: r.Action, Actor: r.ActorEmail, IP: r.IP,
			Device: parseUserAgent(r.UserAgent).String(), Target: r.TargetType, Details: r.Details}
		if r.TargetID != "" {
			row.Target += " " + r.TargetID
		}
		if row.Details == "{}" {
			row.Details = ""
		}
		org := ""
		if r.OrgID != nil {
			org = *r.OrgID
		}
		p.Rows = append(p.Rows, adminAuditRow{auditRow: row, OrgID: org})
	}
	return h.page(c, http.StatusOK, "admin/audit", p)
}
