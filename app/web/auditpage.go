package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
)

const (
	pathSettingsOrgAudit = "/settings/organization/audit"
	pageSettingsOrgAudit = "pages/settings_org_audit"
	// auditPageSize is how many entries one page of the trail lists.
	auditPageSize = 50
)

// errMayNotSeeAudit answers members who are neither owners nor admins.
var errMayNotSeeAudit = apperr.Forbidden("Only the organization's owners and admins can see its audit log.")

// orgAudit is the organization's audit trail for its owners and admins, newest first.
type orgAudit struct {
	db    *entweb.Client
	views *renderer
}

// auditRow is one listed entry.
type auditRow struct {
	Seq                       int64
	At                        time.Time
	Action, Actor, IP, Device string
	Target, Details           string
}

type orgAuditPage struct {
	Rows []auditRow
	// Older is the cursor of the next page ("" on the last).
	Older string
}

// show lists one page of entries of the member's organization, those before ?before=SEQ.
func (h orgAudit) show(c fiber.Ctx) error {
	m := memberOf(c)
	// Owners and admins; there is no separate action for it in the access table yet.
	if m == nil || (m.Role != access.RoleOwner && m.Role != access.RoleAdmin) {
		return errMayNotSeeAudit
	}
	q := h.db.AuditEntry.Query().Where(auditentry.OrgID(m.OrgID))
	rows, older, err := auditPageOf(c, q, auditPageSize)
	if err != nil {
		return fmt.Errorf("web: audit page: %w", err)
	}
	p := orgAuditPage{Older: older}
	for _, r := range rows {
		p.Rows = append(p.Rows, auditRowOf(r))
	}
	return h.views.page(c, http.StatusOK, pageSettingsOrgAudit, p)
}

// auditPageOf reads one page of q, newest first, from the entries before ?before=SEQ;
// older is the cursor of the next page ("" on the last).
func auditPageOf(c fiber.Ctx, q *entweb.AuditEntryQuery, size int) (rows []*entweb.AuditEntry, older string, err error) {
	if raw := c.Query("before"); raw != "" {
		before, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || before < 1 {
			return nil, "", apperr.NotFound("page")
		}
		q = q.Where(auditentry.IDLT(before))
	}
	rows, err = q.Order(entweb.Desc(auditentry.FieldID)).Limit(size + 1).All(c.Context())
	if err != nil {
		return nil, "", err
	}
	if len(rows) > size {
		rows = rows[:size]
		older = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return rows, older, nil
}

// auditRowOf is how an entry reads in an audit table.
func auditRowOf(r *entweb.AuditEntry) auditRow {
	row := auditRow{Seq: r.ID, At: r.At, Action: r.Action, Actor: r.ActorEmail, IP: r.IP,
		Device: parseUserAgent(r.UserAgent).String(), Target: r.TargetType, Details: r.Details}
	if r.TargetID != "" {
		row.Target += " " + r.TargetID
	}
	if row.Details == "{}" {
		row.Details = ""
	}
	return row
}
