package api

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/task"
)

// reportHandlers serve finished reports.
type reportHandlers struct {
	db *entapi.Client
}

// show answers the stored report JSON, or its column table with ?format=csv.
func (h reportHandlers) show(c fiber.Ctx) error {
	format := c.Query("format", "json")
	if format != "json" && format != "csv" {
		return apperr.Invalid("format must be json or csv")
	}
	ctx := c.Context()
	t, err := findTask(ctx, h.db, c.Params("id"))
	if err != nil {
		return err
	}
	if t.Status != task.StatusCompleted {
		return notReady(t)
	}
	r, err := h.db.Report.Query().Where(entreport.TaskID(t.ID)).Only(ctx)
	if entapi.IsNotFound(err) {
		return notReady(t)
	}
	if err != nil {
		return fmt.Errorf("reports: find: %w", err)
	}
	if format == "json" {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(r.Body)
	}
	var rep report.Report
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		return fmt.Errorf("reports: decode: %w", err)
	}
	var buf bytes.Buffer
	if err := rep.ColumnsCSV(&buf); err != nil {
		return fmt.Errorf("reports: columns csv: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="report-%s.csv"`, t.ID))
	return c.Send(buf.Bytes())
}

func notReady(t *entapi.Task) error {
	return &apperr.Error{
		Status: fiber.StatusConflict,
		Title:  "report not ready",
		Detail: fmt.Sprintf("the task is %s; its report is ready once it has completed", t.Status),
	}
}
