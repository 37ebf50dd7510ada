package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/ent/api/ruleset"
)

// ruleSetHandlers read and replace a dataset's saved rule set.
type ruleSetHandlers struct {
	db    *entapi.Client
	audit *audit.APILog
}

// ruleSetView is the JSON of a dataset's rule set. A dataset that never saved one has
// version 0, no rules and a null updated_at.
type ruleSetView struct {
	DatasetID string           `json:"dataset_id"`
	Version   int              `json:"version"`
	Rules     []report.Rule    `json:"rules"`
	RowCount  report.RowBounds `json:"row_count"`
	UpdatedAt *time.Time       `json:"updated_at"`
}

func (h ruleSetHandlers) show(c fiber.Ctx) error {
	ds, err := findDataset(c, h.db, c.Params("id"))
	if err != nil {
		return err
	}
	rs, err := savedRuleSet(c.Context(), h.db, ds.ID)
	if err != nil {
		return err
	}
	return c.JSON(viewRuleSet(ds.ID, rs))
}

// replace saves the whole set. Saving the set that is already saved changes nothing
// (not even the version), so a repeated PUT is harmless.
func (h ruleSetHandlers) replace(c fiber.Ctx) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return apperr.Unsupported("the body must be application/json")
	}
	body, err := readBody(c, maxJSONBytes)
	if err != nil {
		return err
	}
	set, err := report.ParseRuleSet(body)
	if err != nil {
		return inputError(err)
	}
	ds, err := findDataset(c, h.db, c.Params("id"))
	if err != nil {
		return err
	}
	// A URL dataset's columns are unknown until fetched; its runs check the rules then.
	var columns []string
	if ds.Status == dataset.StatusReady {
		columns = ds.Columns
		if columns == nil {
			columns = []string{}
		}
	}
	if err := report.ValidateRuleSet(set, columns); err != nil {
		return err
	}
	rs, err := h.save(c.Context(), ds, set, auditEvent(c, audit.RuleSetReplaced, "dataset", ds.ID, nil))
	if err != nil {
		return err
	}
	return c.JSON(viewRuleSet(ds.ID, rs))
}

// save writes set as the dataset's rule set in one transaction, incrementing the version
// unless it is unchanged, with the audit entry ev of a change. A concurrent save of the
// same dataset is a conflict.
func (h ruleSetHandlers) save(ctx context.Context, ds *entapi.Dataset, set report.RuleSet, ev audit.Event) (*entapi.RuleSet, error) {
	rj, err := json.Marshal(set.Rules)
	if err != nil {
		return nil, fmt.Errorf("rules: encode: %w", err)
	}
	var out *entapi.RuleSet
	err = withTx(ctx, h.db, func(tx *entapi.Tx) error {
		cur, err := tx.RuleSet.Query().Where(ruleset.DatasetID(ds.ID)).Only(ctx)
		switch {
		case entapi.IsNotFound(err):
			out, err = tx.RuleSet.Create().SetOrgID(ds.OrgID).SetDatasetID(ds.ID).SetRules(rj).
				SetNillableMinRows(set.RowCount.Min).SetNillableMaxRows(set.RowCount.Max).Save(ctx)
			if err != nil {
				return err
			}
			return h.recordVersion(ctx, tx, ev, out)
		case err != nil:
			return err
		case sameRuleSet(cur, rj, set.RowCount):
			out = cur
			return nil
		}
		upd := tx.RuleSet.Update().Where(ruleset.ID(cur.ID), ruleset.Version(cur.Version)).
			SetRules(rj).AddVersion(1)
		if b := set.RowCount; b.Min != nil {
			upd.SetMinRows(*b.Min)
		} else {
			upd.ClearMinRows()
		}
		if b := set.RowCount; b.Max != nil {
			upd.SetMaxRows(*b.Max)
		} else {
			upd.ClearMaxRows()
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errRuleSetRace
		}
		if out, err = tx.RuleSet.Get(ctx, cur.ID); err != nil {
			return err
		}
		return h.recordVersion(ctx, tx, ev, out)
	})
	if errors.Is(err, errRuleSetRace) || entapi.IsConstraintError(err) {
		return nil, apperr.Conflict("the rule set was changed at the same time; read it and try again")
	}
	if err != nil {
		return nil, fmt.Errorf("rules: save: %w", err)
	}
	return out, nil
}

var errRuleSetRace = errors.New("rules: concurrent save")

func sameRuleSet(cur *entapi.RuleSet, rules []byte, b report.RowBounds) bool {
	var curRules []report.Rule
	if err := json.Unmarshal(cur.Rules, &curRules); err != nil {
		return false
	}
	cj, err := json.Marshal(curRules)
	return err == nil && bytes.Equal(cj, rules) && eqInt(cur.MinRows, b.Min) && eqInt(cur.MaxRows, b.Max)
}

func eqInt(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// savedRuleSet is the dataset's saved set, or nil when it has none.
func savedRuleSet(ctx context.Context, db *entapi.Client, datasetID string) (*entapi.RuleSet, error) {
	rs, err := db.RuleSet.Query().Where(ruleset.DatasetID(datasetID)).Only(ctx)
	if entapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rules: load: %w", err)
	}
	return rs, nil
}

// ruleSetOf decodes a saved set; nil gives the empty set.
func ruleSetOf(rs *entapi.RuleSet) (report.RuleSet, error) {
	set := report.RuleSet{Rules: []report.Rule{}}
	if rs == nil {
		return set, nil
	}
	if len(rs.Rules) > 0 {
		if err := json.Unmarshal(rs.Rules, &set.Rules); err != nil {
			return set, fmt.Errorf("rules: decode %s: %w", rs.ID, err)
		}
	}
	set.RowCount = report.RowBounds{Min: rs.MinRows, Max: rs.MaxRows}
	return set, nil
}

func viewRuleSet(datasetID string, rs *entapi.RuleSet) ruleSetView {
	v := ruleSetView{DatasetID: datasetID, Rules: []report.Rule{}}
	if rs == nil {
		return v
	}
	set, err := ruleSetOf(rs)
	if err == nil {
		v.Rules = set.Rules
	}
	v.Version, v.RowCount = rs.Version, set.RowCount
	v.UpdatedAt = stampPtr(&rs.UpdatedAt)
	return v
}

// withTx runs fn in a transaction, rolled back when fn fails.
func withTx(ctx context.Context, db *entapi.Client, fn func(tx *entapi.Tx) error) error {
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("api: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("api: commit: %w", err)
	}
	return nil
}

// recordVersion appends ev, naming the rule set's new version, inside tx.
func (h ruleSetHandlers) recordVersion(ctx context.Context, tx *entapi.Tx, ev audit.Event, rs *entapi.RuleSet) error {
	ev.Details["version"] = strconv.Itoa(rs.Version)
	_, err := h.audit.AppendTx(ctx, tx, ev)
	return err
}
