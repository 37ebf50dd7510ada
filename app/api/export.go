package api

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/google/uuid"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/export"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/apikey"
	"github.com/assayhq/assay/ent/api/auditentry"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/ruleset"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/ent/api/usagecounter"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// exportPage is how many rows one query of the export reads.
const exportPage = 500

// exportTimeout bounds one export stream: the web app's run gives up on it after a
// similar time and tries again later.
const exportTimeout = 30 * time.Minute

// tenantExportHandlers serve the web app's organization export (service tokens only):
// every API row of the tenant and its uploaded files, as a stream.
type tenantExportHandlers struct {
	db    *entapi.Client
	blobs platform.Blobs
	log   *slog.Logger
}

// stream answers GET /v1/internal/service/tenants/:org_id/export with the tenant's data
// as newline-delimited JSON (export.Line): rows page by page and files chunk by chunk,
// so neither side holds a whole table or file in memory. An unknown tenant streams no
// rows. A failure midway ends the stream with an "error" line and no "end" line.
func (h tenantExportHandlers) stream(c fiber.Ctx) error {
	orgID := c.Params("org_id")
	if _, err := uuid.Parse(orgID); err != nil {
		return apperr.NotFound("tenant")
	}
	c.Set(fiber.HeaderContentType, export.StreamContentType)
	c.Set(fiber.HeaderCacheControl, "no-store")
	log := h.log
	return c.SendStreamWriter(func(w *bufio.Writer) {
		// The request's context ends with the handler; the stream outlives it.
		ctx, cancel := context.WithTimeout(tenant.With(context.Background(), orgID), exportTimeout)
		defer cancel()
		s := &exportStream{enc: json.NewEncoder(w), w: w, counts: map[string]int64{}}
		err := h.write(ctx, s, orgID)
		if err != nil {
			log.WarnContext(ctx, "tenants: export", slog.String("org_id", orgID), slog.Any("error", err))
			_ = s.line(export.Line{Type: export.LineError, Error: "the export failed"})
			return
		}
		_ = s.line(export.Line{Type: export.LineEnd, Counts: s.counts})
		_ = w.Flush()
	})
}

// exportStream writes the lines and counts them.
type exportStream struct {
	enc    *json.Encoder
	w      *bufio.Writer
	counts map[string]int64
}

func (s *exportStream) line(l export.Line) error {
	if err := s.enc.Encode(l); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (s *exportStream) row(entity string, v any) error {
	data, err := export.Redact(v)
	if err != nil {
		return fmt.Errorf("%s: %w", entity, err)
	}
	s.counts[entity]++
	return s.line(export.Line{Type: export.LineRow, Entity: entity, Data: data})
}

// pageRows streams every row fetch returns, a page at a time in id order.
func pageRows[T any, K cmp.Ordered](s *exportStream, entity string, fetch func(after K) ([]T, error), id func(T) K) error {
	var after K
	for {
		rows, err := fetch(after)
		if err != nil {
			return fmt.Errorf("%s: %w", entity, err)
		}
		for _, r := range rows {
			if err := s.row(entity, r); err != nil {
				return err
			}
		}
		if len(rows) < exportPage {
			return s.w.Flush()
		}
		after = id(rows[len(rows)-1])
	}
}

// write streams the tenant's rows, then the uploaded files of its datasets.
func (h tenantExportHandlers) write(ctx context.Context, s *exportStream, orgID string) error {
	db := h.db
	steps := []func() error{
		func() error {
			return pageRows(s, "datasets", func(after string) ([]*entapi.Dataset, error) {
				return db.Dataset.Query().Where(dataset.OrgID(orgID), dataset.IDGT(after)).
					Order(entapi.Asc(dataset.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.Dataset) string { return r.ID })
		},
		func() error {
			return pageRows(s, "rule_sets", func(after string) ([]*entapi.RuleSet, error) {
				return db.RuleSet.Query().Where(ruleset.OrgID(orgID), ruleset.IDGT(after)).
					Order(entapi.Asc(ruleset.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.RuleSet) string { return r.ID })
		},
		func() error {
			return pageRows(s, "tasks", func(after string) ([]*entapi.Task, error) {
				return db.Task.Query().Where(task.OrgID(orgID), task.IDGT(after)).
					Order(entapi.Asc(task.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.Task) string { return r.ID })
		},
		func() error {
			return pageRows(s, "steps", func(after string) ([]*entapi.Step, error) {
				return db.Step.Query().Where(step.OrgID(orgID), step.IDGT(after)).
					Order(entapi.Asc(step.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.Step) string { return r.ID })
		},
		func() error {
			return pageRows(s, "reports", func(after string) ([]*entapi.Report, error) {
				return db.Report.Query().Where(report.OrgID(orgID), report.IDGT(after)).
					Order(entapi.Asc(report.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.Report) string { return r.ID })
		},
		func() error {
			return pageRows(s, "webhook_endpoints", func(after string) ([]*entapi.WebhookEndpoint, error) {
				return db.WebhookEndpoint.Query().Where(webhookendpoint.OrgID(orgID), webhookendpoint.IDGT(after)).
					Order(entapi.Asc(webhookendpoint.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.WebhookEndpoint) string { return r.ID })
		},
		func() error {
			return pageRows(s, "webhook_deliveries", func(after string) ([]*entapi.WebhookDelivery, error) {
				return db.WebhookDelivery.Query().Where(webhookdelivery.OrgID(orgID), webhookdelivery.IDGT(after)).
					Order(entapi.Asc(webhookdelivery.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.WebhookDelivery) string { return r.ID })
		},
		func() error {
			return pageRows(s, "api_keys", func(after string) ([]*entapi.APIKey, error) {
				return db.APIKey.Query().Where(apikey.OrgID(orgID), apikey.IDGT(after)).
					Order(entapi.Asc(apikey.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.APIKey) string { return r.ID })
		},
		func() error {
			return pageRows(s, "usage_counters", func(after string) ([]*entapi.UsageCounter, error) {
				return db.UsageCounter.Query().Where(usagecounter.OrgID(orgID), usagecounter.IDGT(after)).
					Order(entapi.Asc(usagecounter.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.UsageCounter) string { return r.ID })
		},
		func() error {
			// Audit entries are numbered, not named by strings.
			return pageRows(s, "audit_entries", func(after int64) ([]*entapi.AuditEntry, error) {
				return db.AuditEntry.Query().Where(auditentry.OrgID(orgID), auditentry.IDGT(after)).
					Order(entapi.Asc(auditentry.FieldID)).Limit(exportPage).All(ctx)
			}, func(r *entapi.AuditEntry) int64 { return r.ID })
		},
		func() error { return h.files(ctx, s, orgID) },
	}
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// files streams the stored upload of each of the tenant's datasets. A dataset whose file
// is gone (deleted, or never fetched) has none.
func (h tenantExportHandlers) files(ctx context.Context, s *exportStream, orgID string) error {
	after := ""
	for {
		rows, err := h.db.Dataset.Query().Where(dataset.OrgID(orgID), dataset.IDGT(after), dataset.BlobKeyNEQ("")).
			Order(entapi.Asc(dataset.FieldID)).Limit(exportPage).Select(dataset.FieldID, dataset.FieldBlobKey).All(ctx)
		if err != nil {
			return fmt.Errorf("files: %w", err)
		}
		for _, d := range rows {
			if err := h.file(ctx, s, d); err != nil {
				return err
			}
		}
		if len(rows) < exportPage {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

func (h tenantExportHandlers) file(ctx context.Context, s *exportStream, d *entapi.Dataset) error {
	rc, err := h.blobs.Open(ctx, d.BlobKey)
	if errors.Is(err, platform.ErrBlobNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("file %s: %w", d.ID, err)
	}
	defer rc.Close()
	p := "files/" + d.ID + "/" + path.Base(d.BlobKey)
	if err := s.line(export.Line{Type: export.LineFile, Path: p, Entity: d.ID}); err != nil {
		return err
	}
	sum := sha256.New()
	buf := make([]byte, export.ChunkSize)
	var size int64
	for {
		n, rerr := io.ReadFull(rc, buf)
		if n > 0 {
			sum.Write(buf[:n])
			size += int64(n)
			if err := s.line(export.Line{Type: export.LineChunk, Chunk: buf[:n]}); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("file %s: %w", d.ID, rerr)
		}
	}
	s.counts["files"]++
	if err := s.line(export.Line{Type: export.LineFileEnd, Path: p, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil))}); err != nil {
		return err
	}
	return s.w.Flush()
}
