package web

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v3"
)

// maxFileStem bounds the dataset-name part of a download's file name.
const maxFileStem = 60

// exportCSV sends the report's column table as a CSV attachment. It is the API's own
// CSV (report.ColumnsCSV), built from the report JSON: every cell a spreadsheet would
// run as a formula is defused there.
func (h tasks) exportCSV(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	raw, err := h.api.reportJSON(c.Context(), memberOf(c), t.ID)
	if err != nil {
		return reportError(err)
	}
	rep, err := decodeReport(raw)
	if err != nil {
		return errAPIUnavailable.WithErr(err)
	}
	var buf bytes.Buffer
	if err := rep.ColumnsCSV(&buf); err != nil {
		return fmt.Errorf("web: export csv: %w", err)
	}
	attachment(c, "text/csv; charset=utf-8", downloadName(displayName(t), t.ID, "columns.csv"))
	return c.Send(buf.Bytes())
}

// exportJSON sends the report JSON, as the API keeps it, as an attachment.
func (h tasks) exportJSON(c fiber.Ctx) error {
	t, err := h.load(c)
	if err != nil {
		return err
	}
	raw, err := h.api.reportJSON(c.Context(), memberOf(c), t.ID)
	if err != nil {
		return reportError(err)
	}
	attachment(c, fiber.MIMEApplicationJSONCharsetUTF8, downloadName(displayName(t), t.ID, "report.json"))
	return c.Send(raw)
}

// attachment sets the headers of a private download.
func attachment(c fiber.Ctx, contentType, filename string) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
}

// downloadName builds "<dataset>-<task id>-<suffix>" from letters, digits, dots, dashes
// and underscores only, so the name is safe in a header and on any file system.
func downloadName(dataset, taskID, suffix string) string {
	stem := safeFileChars(dataset, maxFileStem)
	stem = strings.Trim(strings.TrimSuffix(strings.TrimSuffix(stem, ".csv"), ".ndjson"), "-.")
	id := safeFileChars(taskID, 40)
	name := strings.Trim(stem+"-"+id, "-.")
	if name == "" {
		name = "report"
	}
	return name + "-" + suffix
}

// safeFileChars keeps ASCII letters, digits, '.', '-' and '_', turns runs of anything
// else into one '-', and cuts the result to n bytes.
func safeFileChars(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= n {
			break
		}
	}
	out := strings.Trim(b.String(), "-.")
	return out[:min(len(out), n)]
}
