package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
)

// fallbackMaxBytes applies when the configuration sets no upload limit.
const fallbackMaxBytes = 256 << 20

// upload is a dataset being created: its id and storage prefix, and what ingest made of it.
type upload struct {
	id, prefix string
	name       string
	fileName   string
	res        *ingest.Result
}

// create accepts a raw CSV or NDJSON body (?name=), a multipart form with a `file` part
// (and an optional `name` field), or JSON naming a source URL.
func (h datasetHandlers) create(c fiber.Ctx) error {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return apperr.Unsupported("the Content-Type header is missing or malformed")
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return apperr.Unsupported("compressed request bodies are not supported")
	}
	format := ingest.CSV
	switch f, known := ingest.FormatOfType(mt); {
	case mt == fiber.MIMEApplicationJSON:
		return h.createFromURL(c)
	case known, mt == fiber.MIMETextPlain:
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
			return apperr.Unsupported("the file must be UTF-8 text")
		}
		if known {
			format = f
		}
	case mt == fiber.MIMEMultipartForm:
		if params["boundary"] == "" {
			return apperr.BadRequest("the multipart body has no boundary")
		}
	default:
		return apperr.Unsupported("send a CSV body (text/csv), an NDJSON body (application/x-ndjson), a multipart form with a file, or JSON with a source_url")
	}

	ctx := c.Context()
	org, _ := tenant.OrgID(ctx)
	limit, byPlan := h.uploadLimit(ctx)
	size := int64(max(c.Request().Header.ContentLength(), 0))
	if size > limit {
		return planSized(tooLarge(limit), limit, size, byPlan)
	}
	id := platform.NewID()
	u := &upload{id: id, prefix: fmt.Sprintf("datasets/%s/%s/", org, id)}
	body := &limitedReader{r: bodyReader(c), left: limit}
	if mt == fiber.MIMEMultipartForm {
		err = h.readMultipart(ctx, u, multipart.NewReader(body, params["boundary"]), c.Query("name"))
	} else {
		err = h.readRaw(ctx, u, body, format, c.Query("name"))
	}
	if err != nil {
		h.discard(ctx, u)
		return planSized(uploadError(err, limit), limit, size, byPlan)
	}
	if maxRows := quotaOf(ctx).limits.MaxRows; maxRows > 0 && u.res.Layout.Rows > maxRows {
		h.discard(ctx, u)
		return quotaProblem(usage.Exhausted(usage.LimitMaxRows, maxRows, u.res.Layout.Rows))
	}
	created := auditEvent(c, audit.DatasetCreated, "dataset", u.id, map[string]string{"source": string(dataset.SourceAPI)})
	d, err := h.insert(ctx, u, created)
	if err != nil {
		h.discard(ctx, u)
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(viewDataset(c.Context(), d))
}

func (h datasetHandlers) readRaw(ctx context.Context, u *upload, body io.Reader, format ingest.Format, queryName string) error {
	name, err := cleanName(queryName)
	if err != nil {
		return err
	}
	u.name = name
	return h.ingest(ctx, u, format, clientReader{body})
}

// readMultipart streams the `file` part into storage; a `name` field may come before or
// after it. Other parts are skipped. A file named .ndjson or .jsonl, or sent as NDJSON, is
// NDJSON; any other file is CSV.
func (h datasetHandlers) readMultipart(ctx context.Context, u *upload, mr *multipart.Reader, queryName string) error {
	fieldName := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return clientError{err}
		}
		switch part.FormName() {
		case "file":
			if u.res != nil {
				return apperr.Invalid("send one file per request")
			}
			u.fileName = part.FileName()
			if err := h.ingest(ctx, u, partFormat(part), clientReader{part}); err != nil {
				return err
			}
		case "name":
			b, err := io.ReadAll(io.LimitReader(clientReader{part}, maxNameBytes+1))
			if err != nil {
				return err
			}
			fieldName = string(b)
		default:
			if _, err := io.Copy(io.Discard, clientReader{part}); err != nil {
				return err
			}
		}
	}
	if u.res == nil {
		return apperr.Invalid("the form has no file part named \"file\"")
	}
	name := fieldName
	for _, alt := range []string{queryName, u.fileName} {
		if strings.TrimSpace(name) == "" {
			name = alt
		}
	}
	name, err := cleanName(name)
	u.name = name
	return err
}

// partFormat is NDJSON when the part's file name or type says so, CSV otherwise.
func partFormat(part *multipart.Part) ingest.Format {
	byType, _ := ingest.FormatOfType(part.Header.Get(fiber.HeaderContentType))
	byName, _ := ingest.FormatOfName(part.FileName())
	if byType == ingest.NDJSON || byName == ingest.NDJSON {
		return ingest.NDJSON
	}
	return ingest.CSV
}

// ingest validates and stores the file while it streams in.
func (h datasetHandlers) ingest(ctx context.Context, u *upload, format ingest.Format, r io.Reader) error {
	res, err := h.store.Ingest(ctx, u.prefix, format, r)
	if err != nil {
		return err
	}
	u.res = res
	return nil
}

func (h datasetHandlers) insert(ctx context.Context, u *upload, created audit.Event) (*entapi.Dataset, error) {
	layout, err := json.Marshal(u.res.Layout)
	if err != nil {
		return nil, fmt.Errorf("datasets: encode layout: %w", err)
	}
	tx, err := h.db.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("datasets: begin: %w", err)
	}
	d, err := tx.Dataset.Create().
		SetID(u.id).
		SetName(u.name).
		SetSource(dataset.SourceAPI).
		SetStatus(dataset.StatusReady).
		SetFormat(string(u.res.Format)).
		SetDelimiter(u.res.Delimiter).
		SetBlobKey(u.res.Key).
		SetSizeBytes(u.res.SourceBytes).
		SetRows(u.res.Layout.Rows).
		SetColumns(u.res.Layout.Columns).
		SetLayout(layout).
		Save(ctx)
	if err == nil {
		err = usage.Add(ctx, tx, d.OrgID, time.Now(), usage.Delta{StorageBytes: d.SizeBytes})
	}
	if err == nil {
		_, err = h.audit.AppendTx(ctx, tx, created)
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("datasets: insert: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("datasets: insert: commit: %w", err)
	}
	return d.Unwrap(), nil
}

// discard removes whatever an aborted upload stored.
func (h datasetHandlers) discard(ctx context.Context, u *upload) {
	if err := h.store.Blobs.DeletePrefix(context.WithoutCancel(ctx), u.prefix); err != nil {
		h.log.ErrorContext(ctx, "datasets: discard aborted upload", "prefix", u.prefix, "error", err)
	}
}

// uploadLimit is the server limit, lowered by the request's plan when it sets one
// (byPlan: the plan's limit is the one that applies).
func (h datasetHandlers) uploadLimit(ctx context.Context) (limit int64, byPlan bool) {
	limit = h.maxBytes
	if limit <= 0 {
		limit = fallbackMaxBytes
	}
	if p := quotaOf(ctx).limits.MaxUploadBytes; p > 0 && p < limit {
		return p, true
	}
	return limit, false
}

// planSized turns a 413 caused by the plan's size limit (not the server's own cap, which
// stays 413) into the 402 quota problem that names max_upload_bytes, with the upgrade link.
// size is what the client announced (Content-Length), or 0 when unknown.
func planSized(err error, limit, size int64, byPlan bool) error {
	var ae *apperr.Error
	if !byPlan || !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge {
		return err
	}
	if size <= limit {
		size = limit + 1 // streamed past the limit: at least one byte more
	}
	return quotaProblem(usage.Exhausted(usage.LimitMaxUpload, limit, size))
}

// uploadError maps an ingest failure to what the client should see.
func uploadError(err error, limit int64) error {
	var ie *report.InputError
	var ce clientError
	switch {
	case errors.Is(err, errBodyTooLarge):
		return tooLarge(limit).WithErr(err)
	case errors.As(err, &ie):
		return apperr.Invalid(ie.Error())
	case errors.As(err, &ce):
		return apperr.BadRequest("the request body could not be read").WithErr(err)
	}
	return err
}

// clientError marks a failure to read the request body: the client's fault, not ours.
type clientError struct{ err error }

func (e clientError) Error() string { return "read request body: " + e.err.Error() }
func (e clientError) Unwrap() error { return e.err }

// clientReader tags read errors of a request body part as clientError.
type clientReader struct{ r io.Reader }

func (c clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = clientError{err}
	}
	return n, err
}
