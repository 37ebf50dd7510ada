package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/report"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
)

const (
	pathSettingsOrgAuditExport = "/settings/organization/audit/export"
	// auditExportPage is how many entries each read of an export takes.
	auditExportPage = 100
	// auditExportMax bounds the entries of one export from each database.
	auditExportMax = 100_000
)

// Databases an exported entry comes from.
const (
	auditSourceWeb = "web"
	auditSourceAPI = "api"
)

// auditExportRow is one entry of an export, from either database's log.
type auditExportRow struct {
	Source     string            `json:"source"`
	Seq        int64             `json:"seq"`
	At         time.Time         `json:"at"`
	Action     string            `json:"action"`
	ActorID    string            `json:"actor_id"`
	ActorType  string            `json:"actor_type"`
	ActorEmail string            `json:"actor_email"`
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
	Details    map[string]string `json:"details"`
}

var auditCSVHeader = []string{"source", "seq", "at", "action", "actor_id", "actor_type", "actor_email",
	"target_type", "target_id", "ip", "user_agent", "details"}

var errAuditFormat = apperr.NotFound("export format")

// export downloads the organization's whole trail, the web and the API database's
// entries merged oldest first, as ?format=csv (the default) or json.
func (h orgAudit) export(c fiber.Ctx) error {
	m, err := auditReader(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "csv")
	if format != "csv" && format != "json" {
		return errAuditFormat
	}
	rows, err := h.webExportRows(c, m.OrgID)
	if err != nil {
		return fmt.Errorf("web: audit export: %w", err)
	}
	api, err := h.apiExportRows(c, m)
	if err != nil {
		return fmt.Errorf("web: audit export: api: %w", err)
	}
	rows = mergeAuditRows(rows, api)
	name := "audit-" + m.OrgID + "-" + time.Now().UTC().Format("20060102") + "." + format
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if format == "json" {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.JSON(rows)
	}
	b, err := auditCSV(rows)
	if err != nil {
		return fmt.Errorf("web: audit export: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	return c.Send(b)
}

// webExportRows reads the organization's entries in the web database, oldest first.
func (h orgAudit) webExportRows(c fiber.Ctx, orgID string) ([]auditExportRow, error) {
	var out []auditExportRow
	var after int64
	for len(out) < auditExportMax {
		rows, err := h.db.AuditEntry.Query().Where(auditentry.OrgID(orgID), auditentry.IDGT(after)).
			Order(entweb.Asc(auditentry.FieldID)).Limit(auditExportPage).All(c.Context())
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, webExportRow(r))
		}
		if len(rows) < auditExportPage {
			break
		}
		after = rows[len(rows)-1].ID
	}
	return out, nil
}

func webExportRow(r *entweb.AuditEntry) auditExportRow {
	row := auditExportRow{Source: auditSourceWeb, Seq: r.ID, At: r.At.UTC(), Action: r.Action,
		ActorEmail: r.ActorEmail, TargetType: r.TargetType, TargetID: r.TargetID, IP: r.IP,
		UserAgent: r.UserAgent, Details: map[string]string{}}
	if r.ActorID != nil {
		row.ActorID, row.ActorType = *r.ActorID, "user"
	}
	_ = json.Unmarshal([]byte(r.Details), &row.Details) // written by audit as a JSON object
	return row
}

// apiExportRows reads the organization's entries in the API database, through the
// API, page by page (newest first there), and returns them oldest first.
func (h orgAudit) apiExportRows(c fiber.Ctx, m *member) ([]auditExportRow, error) {
	var out []auditExportRow
	var entries []apiAuditEntry
	cursor := ""
	for len(entries) < auditExportMax {
		l, err := h.api.auditEntries(c.Context(), m, cursor, auditExportPage)
		if err != nil {
			return nil, err
		}
		entries = append(entries, l.Data...)
		if l.NextCursor == nil {
			break
		}
		cursor = *l.NextCursor
	}
	emails := h.userEmails(c, userActors(entries))
	for _, e := range entries {
		row := auditExportRow{Source: auditSourceAPI, Seq: e.Seq, At: e.At.UTC(), Action: e.Action,
			ActorType: e.ActorType, TargetType: e.TargetType, TargetID: e.TargetID, IP: e.IP,
			UserAgent: e.UserAgent, Details: e.Details}
		if e.ActorID != nil {
			row.ActorID = *e.ActorID
			row.ActorEmail = emails[row.ActorID]
		}
		if row.Details == nil {
			row.Details = map[string]string{}
		}
		out = append(out, row)
	}
	slices.Reverse(out)
	return out, nil
}

// mergeAuditRows merges two trails, each oldest first, by time; at the same instant
// the web database's entry comes first, and each trail keeps its own order.
func mergeAuditRows(web, api []auditExportRow) []auditExportRow {
	out := make([]auditExportRow, 0, len(web)+len(api))
	i, j := 0, 0
	for i < len(web) && j < len(api) {
		if api[j].At.Before(web[i].At) {
			out = append(out, api[j])
			j++
		} else {
			out = append(out, web[i])
			i++
		}
	}
	out = append(out, web[i:]...)
	return append(out, api[j:]...)
}

// auditCSV writes rows as CSV, every cell guarded against formula injection as the
// report exports are.
func auditCSV(rows []auditExportRow) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(auditCSVHeader); err != nil {
		return nil, err
	}
	for _, r := range rows {
		details, _ := json.Marshal(r.Details) // a map of strings always encodes
		rec := []string{r.Source, strconv.FormatInt(r.Seq, 10), r.At.Format(time.RFC3339Nano), r.Action,
			r.ActorID, r.ActorType, r.ActorEmail, r.TargetType, r.TargetID, r.IP, r.UserAgent, string(details)}
		for i := range rec {
			rec[i] = report.GuardCell(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
