package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

// auditLogHandlers serve the API database's audit log to the web app: an
// organization's trail to its owners and admins (users' tokens), and every
// organization's to the backoffice (service tokens).
type auditLogHandlers struct {
	db *entapi.Client
}

// auditEntryView is the JSON of one API audit entry.
type auditEntryView = audit.APIEntryJSON

var errAuditRole = apperr.Forbidden("only the organization's owners and admins may read its audit log")

// list answers one page of the request's organization's entries, newest first.
func (h auditLogHandlers) list(c fiber.Ctx) error {
	if p := principalOf(c); p.isKey || (p.role != access.RoleOwner && p.role != access.RoleAdmin) {
		return errAuditRole
	}
	org, ok := tenant.OrgID(c.Context())
	if !ok || org == "" {
		return errAuditRole
	}
	return h.page(c, audit.APIFilter{OrgID: org})
}

// all answers one page of every organization's entries, newest first, filtered by
// ?org=, ?action= (a prefix) and ?actor= (an id).
func (h auditLogHandlers) all(c fiber.Ctx) error {
	return h.page(c, audit.APIFilter{OrgID: c.Query("org"), ActionPrefix: c.Query("action"), ActorID: c.Query("actor")})
}

// page answers the entries f selects; the cursor is the last sequence number of the
// page before.
func (h auditLogHandlers) page(c fiber.Ctx, f audit.APIFilter) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	var before int64
	if p.cursor != "" {
		if before, err = strconv.ParseInt(p.cursor, 10, 64); err != nil || before < 1 {
			return apperr.Invalid("cursor is not valid")
		}
	}
	rows, err := audit.APIEntries(c.Context(), h.db, f, before, p.limit+1)
	if err != nil {
		return fmt.Errorf("audit: list: %w", err)
	}
	out := list[auditEntryView]{Data: make([]auditEntryView, 0, len(rows))}
	if len(rows) > p.limit {
		rows = rows[:p.limit]
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(rows[len(rows)-1].Seq, 10)))
		out.NextCursor = &next
	}
	for _, e := range rows {
		out.Data = append(out.Data, viewAuditEntry(e))
	}
	return c.JSON(out)
}

func viewAuditEntry(e audit.Entry) auditEntryView {
	v := auditEntryView{Seq: e.Seq, At: e.At.UTC(), Action: e.Action, OrgID: e.OrgID, ActorID: e.ActorID,
		TargetType: e.TargetType, TargetID: e.TargetID, IP: e.IP, UserAgent: e.UserAgent,
		Details: map[string]string{}}
	_ = json.Unmarshal([]byte(e.Details), &v.Details) // written by audit as a JSON object
	v.ActorType = v.Details[audit.DetailActorType]
	delete(v.Details, audit.DetailActorType)
	switch {
	case e.Anonymized:
		// The purge wiped the details that said who acted: say so, not "system".
		v.ActorType = audit.ActorTypeAnonymized
	case v.ActorType == "":
		v.ActorType = audit.ActorTypeSystem
	}
	return v
}
