package api

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/lifecycle"
	"github.com/assayhq/assay/app/usage"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
)

// datasetHandlers create, list, show and delete datasets.
type datasetHandlers struct {
	db       *entapi.Client
	store    ingest.Store
	fetcher  *ingest.Fetcher
	maxBytes int64
	log      *slog.Logger
	audit    *audit.APILog
}

// datasetView is the JSON of a dataset. Status is "ready" once the file is stored and
// laid out; a URL dataset is "fetching" until the fetch stage of a task run on it has
// stored it, or "failed" with Error saying why. Format and Delimiter are null until known
// (Delimiter stays null for NDJSON); SourceURL is null unless Source is "url".
type datasetView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Source    string    `json:"source"`
	SourceURL *string   `json:"source_url"`
	Status    string    `json:"status"`
	Error     string    `json:"error"`
	Format    *string   `json:"format"`
	Delimiter *string   `json:"delimiter"`
	Rows      int64     `json:"rows"`
	Columns   []string  `json:"columns"`
	SizeBytes int64     `json:"size_bytes"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when retention purges the dataset: created_at plus the plan's
	// retention days (lifecycle.RetentionDays).
	ExpiresAt time.Time `json:"expires_at"`
}

// viewDataset is the JSON of d for a request whose context is ctx (its plan sets when
// the dataset expires).
func viewDataset(ctx context.Context, d *entapi.Dataset) datasetView {
	cols := d.Columns
	if cols == nil {
		cols = []string{}
	}
	v := datasetView{
		ID: d.ID, Name: d.Name, Source: string(d.Source), Status: string(d.Status), Error: d.Error,
		Rows: d.Rows, Columns: cols, SizeBytes: d.SizeBytes, CreatedAt: stamp(d.CreatedAt),
		ExpiresAt: stamp(lifecycle.ExpiresAt(d.CreatedAt, retentionDays(ctx))),
	}
	if d.URL != "" {
		v.SourceURL = &d.URL
	}
	if d.Status == dataset.StatusReady {
		v.Format = &d.Format
		if d.Delimiter != "" {
			v.Delimiter = &d.Delimiter
		}
	}
	return v
}

func datasetID(d *entapi.Dataset) string { return d.ID }

// retentionDays is how long the request's organization keeps datasets: the limit of its
// plan as the token or tenant row carries it, else the plan's in the catalogue.
func retentionDays(ctx context.Context) int64 {
	q := quotaOf(ctx)
	return lifecycle.RetentionDays(q.plan, q.limits.RetentionDays)
}

func (h datasetHandlers) list(c fiber.Ctx) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := h.db.Dataset.Query().Where(dataset.DeletedAtIsNil())
	if p.cursor != "" {
		q = q.Where(dataset.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(dataset.FieldID)).Limit(p.limit + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("datasets: list: %w", err)
	}
	view := func(d *entapi.Dataset) datasetView { return viewDataset(c.Context(), d) }
	return c.JSON(newList(rows, p, datasetID, view))
}

func (h datasetHandlers) show(c fiber.Ctx) error {
	d, err := findDataset(c, h.db, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(viewDataset(c.Context(), d))
}

// delete hides a dataset everywhere; its blob stays until a purge. The organization's
// metered storage drops by the dataset's size in the same transaction.
func (h datasetHandlers) delete(c fiber.Ctx) error {
	ctx := c.Context()
	tx, err := h.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("datasets: delete: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit: a no-op
	d, err := tx.Dataset.Query().Where(dataset.ID(c.Params("id")), dataset.DeletedAtIsNil()).Only(ctx)
	if entapi.IsNotFound(err) {
		return apperr.NotFound("dataset")
	}
	if err != nil {
		return fmt.Errorf("datasets: delete: %w", err)
	}
	n, err := tx.Dataset.Update().
		Where(dataset.ID(d.ID), dataset.DeletedAtIsNil()).
		SetDeletedAt(time.Now().UTC()).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("datasets: delete: %w", err)
	}
	if n == 0 {
		return apperr.NotFound("dataset")
	}
	if err := usage.Add(ctx, tx, d.OrgID, time.Now(), usage.Delta{StorageBytes: -d.SizeBytes}); err != nil {
		return fmt.Errorf("datasets: delete: %w", err)
	}
	if _, err := h.audit.AppendTx(ctx, tx, auditEvent(c, audit.DatasetDeleted, "dataset", d.ID, nil)); err != nil {
		return fmt.Errorf("datasets: delete: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("datasets: delete: commit: %w", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// findDataset loads a live dataset of the request's organization.
func findDataset(c fiber.Ctx, db *entapi.Client, id string) (*entapi.Dataset, error) {
	d, err := db.Dataset.Query().Where(dataset.ID(id), dataset.DeletedAtIsNil()).Only(c.Context())
	if entapi.IsNotFound(err) {
		return nil, apperr.NotFound("dataset")
	}
	if err != nil {
		return nil, fmt.Errorf("datasets: find: %w", err)
	}
	return d, nil
}
