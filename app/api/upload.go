package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
)

// fallbackMaxBytes applies when the configuration sets no upload limit.
const fallbackMaxBytes = 256 << 20

// upload is a dataset being created: its id and blob, filled in as the body streams by.
type upload struct {
	id, key  string
	name     string
	fileName string
	layout   *report.Layout
	size     int64
}

// create accepts a raw CSV body (?name=), a multipart form with a `file` part (and an
// optional `name` field), or JSON naming a source URL.
func (h datasetHandlers) create(c fiber.Ctx) error {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return apperr.Unsupported("the Content-Type header is missing or malformed")
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return apperr.Unsupported("compressed request bodies are not supported")
	}
	switch mt {
	case fiber.MIMEApplicationJSON:
		return h.createFromURL(c)
	case "text/csv", "application/csv", fiber.MIMETextPlain:
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
			return apperr.Unsupported("the file must be UTF-8 text")
		}
	case fiber.MIMEMultipartForm:
		if params["boundary"] == "" {
			return apperr.BadRequest("the multipart body has no boundary")
		}
	default:
		return apperr.Unsupported("send a CSV body (text/csv), a multipart form with a file, or JSON")
	}

	ctx := c.Context()
	org, _ := tenant.OrgID(ctx)
	limit, err := h.uploadLimit(ctx, org)
	if err != nil {
		return err
	}
	if cl := c.Request().Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return tooLarge(limit)
	}
	id := platform.NewID()
	u := &upload{id: id, key: fmt.Sprintf("datasets/%s/%s/source.csv", org, id)}
	body := &limitedReader{r: bodyReader(c), left: limit}
	if mt == fiber.MIMEMultipartForm {
		err = h.readMultipart(ctx, u, multipart.NewReader(body, params["boundary"]), c.Query("name"))
	} else {
		err = h.readRaw(ctx, u, body, c.Query("name"))
	}
	if err != nil {
		h.discard(ctx, u)
		return uploadError(err, limit)
	}
	d, err := h.insert(ctx, u)
	if err != nil {
		h.discard(ctx, u)
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(viewDataset(d))
}

// createFromURL is the JSON form of create; fetching URLs is not built yet.
func (h datasetHandlers) createFromURL(c fiber.Ctx) error {
	var in struct {
		Name      string `json:"name"`
		SourceURL string `json:"source_url"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	return apperr.Invalid("URL sources are not supported yet")
}

func (h datasetHandlers) readRaw(ctx context.Context, u *upload, body io.Reader, queryName string) error {
	name, err := cleanName(queryName)
	if err != nil {
		return err
	}
	u.name = name
	return h.ingest(ctx, u, clientReader{body})
}

// readMultipart streams the `file` part into storage; a `name` field may come before or
// after it. Other parts are skipped.
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
			if u.layout != nil {
				return apperr.Invalid("send one file per request")
			}
			u.fileName = part.FileName()
			if err := h.ingest(ctx, u, clientReader{part}); err != nil {
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
	if u.layout == nil {
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

// ingest tees the stream into blob storage while report.Scan validates it.
func (h datasetHandlers) ingest(ctx context.Context, u *upload, r io.Reader) error {
	pr, pw := io.Pipe()
	type putResult struct {
		n   int64
		err error
	}
	done := make(chan putResult, 1)
	go func() {
		n, err := h.blobs.Put(ctx, u.key, pr)
		// Unblocks the scanner if the store stopped reading early.
		pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
		done <- putResult{n, err}
	}()
	layout, err := report.Scan(io.TeeReader(r, pw), report.ScanOptions{ChunkRows: h.chunkRows})
	if err == nil {
		// Scan reads to the end; anything it left still belongs to the file.
		_, err = io.Copy(pw, r)
	}
	pw.CloseWithError(err)
	put := <-done
	if put.err != nil && (err == nil || errors.Is(err, io.ErrClosedPipe)) {
		err = fmt.Errorf("datasets: store upload: %w", put.err)
	}
	if err != nil {
		return err
	}
	u.layout, u.size = layout, put.n
	return nil
}

func (h datasetHandlers) insert(ctx context.Context, u *upload) (*entapi.Dataset, error) {
	layout, err := json.Marshal(u.layout)
	if err != nil {
		return nil, fmt.Errorf("datasets: encode layout: %w", err)
	}
	d, err := h.db.Dataset.Create().
		SetID(u.id).
		SetName(u.name).
		SetSource(dataset.SourceAPI).
		SetFormat("csv").
		SetBlobKey(u.key).
		SetSizeBytes(u.size).
		SetRows(u.layout.Rows).
		SetColumns(u.layout.Columns).
		SetLayout(layout).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("datasets: insert: %w", err)
	}
	return d, nil
}

// discard removes whatever an aborted upload stored.
func (h datasetHandlers) discard(ctx context.Context, u *upload) {
	prefix := strings.TrimSuffix(u.key, "source.csv")
	if err := h.blobs.DeletePrefix(context.WithoutCancel(ctx), prefix); err != nil {
		h.log.ErrorContext(ctx, "datasets: discard aborted upload", "key", u.key, "error", err)
	}
}

// uploadLimit is the server limit, lowered by the organization's plan when it sets one.
func (h datasetHandlers) uploadLimit(ctx context.Context, org string) (int64, error) {
	limit := h.maxBytes
	if limit <= 0 {
		limit = fallbackMaxBytes
	}
	t, err := h.db.Tenant.Get(ctx, org) // not tenant-owned: no scope needed
	if entapi.IsNotFound(err) {
		return limit, nil
	}
	if err != nil {
		return 0, fmt.Errorf("datasets: load tenant: %w", err)
	}
	if t.MaxUploadBytes > 0 && t.MaxUploadBytes < limit {
		limit = t.MaxUploadBytes
	}
	return limit, nil
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
