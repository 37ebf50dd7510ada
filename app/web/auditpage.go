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
	if raw := c.Query("before"); raw != "" {
		before, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || before < 1 {
			return apperr.NotFound("page")
		}
		q = q.Where(auditentry.IDLT(before))
	}
	rows, err := q.Order(entweb.Desc(auditentry.FieldID)).Limit(auditPageSize + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("web: audit page: %w", err)
	}
	p := orgAuditPage{}
	if len(rows) > auditPageSize {
		rows = rows[:auditPageSize]
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
		p.Rows = append(p.Rows, row)
	}
	return h.views.page(c, http.StatusOK, pageSettingsOrgAudit, p)
}
