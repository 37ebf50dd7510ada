package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/user"
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
	api   *apiClient
	views *renderer
	log   *slog.Logger
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
	// APIRows are the API's entries (API keys, datasets, tasks, webhook endpoints),
	// APIOlder the cursor of their next page; APIUnavailable is set when the API did
	// not answer.
	APIRows        []auditRow
	APIOlder       string
	APIUnavailable bool
}

// show lists one page of entries of the member's organization, those before ?before=SEQ.
func (h orgAudit) show(c fiber.Ctx) error {
	m, err := auditReader(c)
	if err != nil {
		return err
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
	l, err := h.api.auditEntries(c.Context(), m, c.Query("api_cursor"), auditPageSize)
	if err != nil {
		// The organization's own trail still shows; the API's part says it is missing.
		h.log.WarnContext(c.Context(), "web: audit page: api entries", slog.Any("error", err))
		p.APIUnavailable = true
	} else {
		emails := h.userEmails(c, userActors(l.Data))
		for _, e := range l.Data {
			row := apiAuditRowOf(e)
			if e.ActorType == "user" && e.ActorID != nil && emails[*e.ActorID] != "" {
				row.Actor = emails[*e.ActorID]
			}
			p.APIRows = append(p.APIRows, row)
		}
		if l.NextCursor != nil {
			p.APIOlder = *l.NextCursor
		}
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

// auditReader is the member who may read the organization's audit log: its owners and
// admins (there is no separate action for it in the access table yet).
func auditReader(c fiber.Ctx) (*member, error) {
	m := memberOf(c)
	if m == nil || (m.Role != access.RoleOwner && m.Role != access.RoleAdmin) {
		return nil, errMayNotSeeAudit
	}
	return m, nil
}

// apiAuditRowOf is how an API entry reads in an audit table: its actor is a user or an
// API key, by id (the API database holds no addresses).
func apiAuditRowOf(e apiAuditEntry) auditRow {
	row := auditRow{Seq: e.Seq, At: e.At, Action: e.Action, Actor: apiActor(e), IP: e.IP,
		Device: parseUserAgent(e.UserAgent).String(), Target: e.TargetType}
	if e.TargetID != "" {
		row.Target += " " + e.TargetID
	}
	if len(e.Details) > 0 {
		b, _ := json.Marshal(e.Details) // a map of strings always encodes
		row.Details = string(b)
	}
	return row
}

// apiActor names an API entry's actor: "apikey <id>", "user <id>", or its kind alone.
func apiActor(e apiAuditEntry) string {
	if e.ActorID == nil {
		return e.ActorType
	}
	return e.ActorType + " " + *e.ActorID
}

// userEmails maps the ids of users among ids to their current addresses, for display
// (the API database holds ids only); a failed lookup is logged and maps nothing.
func (h orgAudit) userEmails(c fiber.Ctx, ids []string) map[string]string {
	out := map[string]string{}
	if len(ids) == 0 {
		return out
	}
	users, err := h.db.User.Query().Where(user.IDIn(ids...)).All(c.Context())
	if err != nil {
		h.log.WarnContext(c.Context(), "web: audit: actors", slog.Any("error", err))
		return out
	}
	for _, u := range users {
		out[u.ID] = u.Email
	}
	return out
}

// userActors lists the user ids that act in entries.
func userActors(entries []apiAuditEntry) []string {
	var ids []string
	for _, e := range entries {
		if e.ActorType == "user" && e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	return ids
}
