package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/report"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/task"
)

// Limits on the small fields of the upload form.
const (
	maxNameBytes  = 200
	maxRulesBytes = 64 << 10
	maxTokenBytes = 1 << 10
	maxURLBytes   = 2048
)

// uploads streams a browser upload to the API and starts a run over it.
type uploads struct {
	db    *entweb.Client
	api   *apiClient
	dash  dashboard
	limit int64 // whole request body
	log   *slog.Logger
}

// create handles POST /datasets. The multipart body is read part by part as it
// arrives: csrf_token, name, rules and source_url come before file in the form, so the
// rules are checked before a byte of the file is read, and the file goes straight into
// the API request. Without a file (browsers send an empty file part) a source_url makes
// the API fetch the dataset from that URL instead.
func (h uploads) create(c fiber.Ctx) error {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return apperr.Unsupported("Send the form as multipart/form-data.")
	}
	if cl := c.Request().Header.ContentLength(); cl > 0 && int64(cl) > h.limit {
		return tooLarge(h.limit)
	}
	body := c.Request().BodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	lr := &limitedReader{r: body, n: h.limit}
	mr := multipart.NewReader(lr, params["boundary"])
	form := uploadForm{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			if csrfPending(c) {
				return errCSRF
			}
			if strings.TrimSpace(form.SourceURL) != "" {
				return h.fromURL(c, lr, form)
			}
			form.Error = "Choose a file to upload, or give a URL."
			return h.reject(c, lr, form)
		}
		if err != nil {
			return readError(err, h.limit)
		}
		name := part.FormName()
		if name == fieldCSRF {
			tok, err := readField(part, maxTokenBytes)
			if err != nil {
				return readError(err, h.limit)
			}
			if csrfPending(c) {
				if err := checkStreamedCSRF(c, tok); err != nil {
					return err
				}
			}
			continue
		}
		if csrfPending(c) {
			return errCSRF
		}
		switch name {
		case "name":
			if form.Name, err = readField(part, maxNameBytes); err != nil {
				return h.invalid(c, lr, form, err)
			}
		case "rules":
			if form.Rules, err = readField(part, maxRulesBytes); err != nil {
				return h.invalid(c, lr, form, err)
			}
		case "source_url":
			if form.SourceURL, err = readField(part, maxURLBytes); err != nil {
				return h.invalid(c, lr, form, err)
			}
		case "file":
			if part.FileName() == "" { // no file chosen
				if _, err := io.Copy(io.Discard, io.LimitReader(part, maxRulesBytes)); err != nil {
					return readError(err, h.limit)
				}
				continue
			}
			if strings.TrimSpace(form.SourceURL) != "" {
				form.Error = "Choose a file or give a URL, not both."
				return h.reject(c, lr, form)
			}
			return h.file(c, lr, form, part)
		default:
			if _, err := io.Copy(io.Discard, io.LimitReader(part, maxRulesBytes)); err != nil {
				return readError(err, h.limit)
			}
		}
	}
}

// file checks the rules, streams part to the API, starts the task, records the web view
// of it and sends the browser to the task page.
func (h uploads) file(c fiber.Ctx, lr *limitedReader, form uploadForm, part *multipart.Part) error {
	rules, ok := parseRules(&form)
	if !ok {
		return h.reject(c, lr, form)
	}
	filename := path.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
	if part.FileName() == "" || filename == "." || filename == "/" {
		form.Error = "Choose a file to upload."
		return h.reject(c, lr, form)
	}
	name := strings.TrimSpace(form.Name)
	if name == "" {
		name = filename
	}
	acc := memberOf(c)
	ctx := c.Context()
	ds, err := h.api.createDataset(ctx, acc, name, fileType(filename, part.Header.Get("Content-Type")), part)
	if errors.Is(err, errUploadRead) {
		return readError(err, h.limit)
	}
	if err != nil {
		return h.apiFailed(c, lr, form, err)
	}
	return h.start(c, lr, form, ds, name, rules)
}

// parseRules reads the form's rules, setting the form's error when they do not parse.
func parseRules(form *uploadForm) ([]report.Rule, bool) {
	rules, err := report.ParseRulesForm(form.Rules)
	if err != nil {
		var ie *report.InputError
		form.RulesError = true
		form.Error = "The rules could not be read."
		if errors.As(err, &ie) {
			form.Error = "In the rules, " + ie.Error()
		}
		return nil, false
	}
	return rules, true
}

// start runs a task over ds, records the web view of it and sends the browser to the
// task page. A dataset no task will read is deleted.
func (h uploads) start(c fiber.Ctx, lr *limitedReader, form uploadForm, ds *apiDataset, name string, rules []report.Rule) error {
	acc := memberOf(c)
	ctx := c.Context()
	t, err := h.api.createTask(ctx, acc, ds.ID, rules)
	if err != nil {
		// No task will read the dataset: remove it rather than leave it stored and counted.
		if derr := h.api.deleteDataset(context.WithoutCancel(ctx), acc, ds.ID); derr != nil {
			h.log.WarnContext(ctx, "web: upload: delete unused dataset", slog.String("dataset_id", ds.ID), slog.Any("error", derr))
		}
		return h.apiFailed(c, lr, form, err)
	}
	// A fast run's webhook may have created the row already; then only fill in what it lacks.
	err = h.db.Task.Create().SetID(t.ID).SetUserID(acc.UserID).SetDatasetID(ds.ID).
		SetDatasetName(name).SetStatus(orDefault(t.Status, "pending")).SetStage(t.Stage).
		OnConflictColumns(task.FieldID).
		Update(func(u *entweb.TaskUpsert) { u.UpdateUserID().UpdateDatasetName() }).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("web: record task: %w", err)
	}
	return redirect(c, "/tasks/"+t.ID)
}

// apiFailed re-renders the form with the API's own explanation for input it refused,
// and turns anything else into a 502.
func (h uploads) apiFailed(c fiber.Ctx, lr *limitedReader, form uploadForm, err error) error {
	if q, ok := refusedByPlan(err); ok { // over the plan: 402, as the API answered
		form.Error, form.Limit, form.UpgradeURL = q.Message, q.Limit, q.UpgradeURL
		return h.rejectWith(c, lr, form, http.StatusPaymentRequired)
	}
	if p, ok := asProblem(err); ok {
		switch p.Status {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
			http.StatusUnprocessableEntity, http.StatusConflict, http.StatusTooManyRequests:
			form.Error = orDefault(p.Detail, p.Title)
			if p.Limit != "" {
				form.Limit, form.UpgradeURL = limitText(p.Limit), upgradeLink(p)
			}
			return h.reject(c, lr, form)
		}
	}
	return errAPIUnavailable.WithErr(err)
}

func (h uploads) invalid(c fiber.Ctx, lr *limitedReader, form uploadForm, err error) error {
	if errors.Is(err, errFieldTooLong) {
		form.Error = "The name or the rules are too long."
		return h.reject(c, lr, form)
	}
	return readError(err, h.limit)
}

// reject shows the form again with 422. It first reads the rest of the body (within the
// limit): a browser still sending a file often misses an answer sent before it is done.
func (h uploads) reject(c fiber.Ctx, lr *limitedReader, form uploadForm) error {
	return h.rejectWith(c, lr, form, http.StatusUnprocessableEntity)
}

// rejectWith is reject with another status (402 for a refusal by the plan).
func (h uploads) rejectWith(c fiber.Ctx, lr *limitedReader, form uploadForm, status int) error {
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return readError(err, h.limit)
	}
	return h.dash.render(c, status, form)
}

var (
	errAPIUnavailable = &apperr.Error{Status: http.StatusBadGateway, Detail: "The analysis service did not answer. Please try again in a moment."}
	errFieldTooLong   = errors.New("form field too long")
	errBodyTooLarge   = errors.New("request body too large")
)

func tooLarge(limit int64) error {
	return apperr.TooLarge(fmt.Sprintf("The upload is larger than the limit of %s.", humanBytes(limit)))
}

func readError(err error, limit int64) error {
	if errors.Is(err, errBodyTooLarge) {
		return tooLarge(limit)
	}
	return apperr.BadRequest("The upload could not be read.").WithErr(err)
}

// readField reads a small form part, refusing more than max bytes.
func readField(r io.Reader, max int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return "", err
	}
	if int64(len(b)) > max {
		return "", errFieldTooLong
	}
	return string(b), nil
}

// fileType is the Content-Type the API is sent: NDJSON by extension or declared type,
// CSV otherwise (the API sniffs the delimiter).
func fileType(filename, declared string) string {
	ext := strings.ToLower(path.Ext(filename))
	if ext == ".ndjson" || ext == ".jsonl" || strings.HasPrefix(declared, "application/x-ndjson") {
		return "application/x-ndjson"
	}
	return "text/csv"
}

// limitedReader fails with errBodyTooLarge once more than n bytes were read.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errBodyTooLarge
	}
	return n, err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
