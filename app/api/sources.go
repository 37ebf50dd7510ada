package api

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/ingest"
	"github.com/assayhq/assay/app/platform"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
)

// createURLRequest is the JSON body of POST /v1/api/datasets for a URL source.
type createURLRequest struct {
	Name      string `json:"name"`
	SourceURL string `json:"source_url"`
}

// createFromURL records a dataset whose file is at a URL. Nothing is downloaded here:
// the fetch stage of a task run on the dataset downloads, validates and lays it out, with
// the same checks an upload gets, and re-checks the address at every connection. The
// URL's form, and a literal IP address in it, are checked now.
func (h datasetHandlers) createFromURL(c fiber.Ctx) error {
	var in createURLRequest
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.SourceURL) == "" {
		return apperr.Invalid("source_url is required")
	}
	u, err := h.fetcher.CheckURL(in.SourceURL)
	var se *ingest.SourceError
	if errors.As(err, &se) {
		return apperr.Invalid(se.Msg).WithErr(err)
	}
	if err != nil {
		return fmt.Errorf("datasets: check url: %w", err)
	}
	name := in.Name
	if strings.TrimSpace(name) == "" {
		name = urlName(u.Path, u.Host)
	}
	if name, err = cleanName(name); err != nil {
		return err
	}
	id := platform.NewID()
	var d *entapi.Dataset
	err = withAudit(c.Context(), h.db, h.audit, func(tx *entapi.Tx) (audit.Event, error) {
		var err error
		d, err = tx.Dataset.Create().
			SetID(id).
			SetName(name).
			SetSource(dataset.SourceURL).
			SetURL(u.String()).
			SetStatus(dataset.StatusFetching).
			Save(c.Context())
		return auditEvent(c, audit.DatasetCreated, "dataset", id, map[string]string{"source": string(dataset.SourceURL)}), err
	})
	if err != nil {
		return fmt.Errorf("datasets: insert url dataset: %w", err)
	}
	d = d.Unwrap()
	return c.Status(fiber.StatusCreated).JSON(viewDataset(c.Context(), d))
}

// urlName is a dataset name taken from a URL: its last path segment, else its host, cut
// to the longest name allowed.
func urlName(path, host string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		path = path[i+1:]
	}
	name := host
	if strings.TrimSpace(path) != "" {
		name = path
	}
	for len(name) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// NewFetcher builds the source fetcher cfg describes. A malformed
// ALLOWED_PRIVATE_ADDRESSES is refused by config validation; here it allows nothing.
func NewFetcher(cfg config.Config) *ingest.Fetcher {
	allowed, _ := cfg.AllowedPrivatePrefixes()
	return ingest.NewFetcher(ingest.FetchOptions{Timeout: cfg.SourceFetchTimeout, AllowedPrivate: allowed})
}
