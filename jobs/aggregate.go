package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
)

// Aggregate merges every chunk's partials into the report and stores it as JSON.
const Aggregate = jobPrefix + kindAggregate

func (r *Runner) aggregateStage(ctx context.Context, run *stepRun) (*outcome, error) {
	t := run.Task
	l, err := r.layout(ctx, run)
	if err != nil {
		return nil, err
	}
	rules, err := taskRules(t)
	if err != nil {
		return nil, err
	}
	rep, err := r.merge(ctx, run, l, rules)
	if err != nil {
		return nil, err
	}
	rep.TaskID, rep.DatasetID = t.ID, t.DatasetID
	rep.CheckRowCount(report.RowBounds{Min: t.MinRows, Max: t.MaxRows})
	rep.RuleSetVersion = t.RuleSetVersion
	body, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("aggregate: encode: %w", err)
	}
	// A small report travels to save in the step's result; a larger one is stored as a
	// blob.
	res := reportResult{Report: body}
	if len(body) > r.inlineReport {
		res = reportResult{Blob: reportKey(t.ID)}
		if _, err := r.deps.Blobs.Put(ctx, res.Blob, bytes.NewReader(body)); err != nil {
			return nil, fmt.Errorf("aggregate: store: %w", err)
		}
	}
	run.made = &madeReport{rep: rep, body: body}
	return &outcome{
		result: res,
		commit: func(ctx context.Context, tx *entapi.Tx) ([]*entapi.Step, error) {
			return createSteps(ctx, tx, t, stepSpec{Kind: kindSave})
		},
	}, nil
}

// inlineReportBytes is the largest report JSON aggregate hands to save in its result.
const inlineReportBytes = 64 << 10

// reportResult is aggregate's result: the report JSON itself, or the blob holding it.
type reportResult struct {
	Blob   string          `json:"blob,omitempty"`
	Report json.RawMessage `json:"report,omitempty"`
}

// partialRef names a chunk's partial of one kind.
type partialRef struct {
	kind  string
	chunk int
}

// storedPartials are where the task's chunk steps stored their partials, from their
// results.
type storedPartials struct {
	taskID string
	refs   map[partialRef]blobResult
}

// partialRefs reads where the task's chunk steps stored their partials.
func (r *Runner) partialRefs(ctx context.Context, taskID string) (storedPartials, error) {
	steps, err := r.db.Step.Query().
		Where(step.TaskID(taskID), step.KindIn(childKinds...)).
		Select(step.FieldKind, step.FieldChunk, step.FieldResult).All(ctx)
	if err != nil {
		return storedPartials{}, fmt.Errorf("aggregate: partials of %s: %w", taskID, err)
	}
	sp := storedPartials{taskID: taskID, refs: make(map[partialRef]blobResult, len(steps))}
	for _, s := range steps {
		var res blobResult
		if len(s.Result) > 0 && json.Unmarshal(s.Result, &res) == nil && res.Blob != "" {
			sp.refs[partialRef{s.Kind, s.Chunk}] = res
		}
	}
	return sp, nil
}

// at is where the partial of kind of chunk is. A step without a location in its result
// (none is expected) is looked for at its own key.
func (sp storedPartials) at(kind string, chunk int) blobResult {
	if res, ok := sp.refs[partialRef{kind, chunk}]; ok {
		return res
	}
	return blobResult{Blob: partialKey(sp.taskID, kind, chunk)}
}

// none says no step of chunk recorded where it stored its partial: the pass that
// computed a one-chunk dataset whole stores nothing (see chunkStage).
func (sp storedPartials) none(chunk int) bool {
	for _, k := range childKinds {
		if _, ok := sp.refs[partialRef{k, chunk}]; ok {
			return false
		}
	}
	return true
}

// loadPartial reads and decodes one chunk's partial; a partial that does not decode is
// permanent, as a retry reads the same bytes.
func loadPartial[P any](ctx context.Context, r *Runner, ref blobResult, kind string, chunk int, decode func([]byte) (P, error)) (P, error) {
	var zero P
	b, err := r.readStored(ctx, ref)
	if err != nil {
		return zero, err
	}
	p, err := decode(b)
	if err != nil {
		return zero, permanentf(fmt.Errorf("%s partial %d: %w", kind, chunk, err), "a stored intermediate result is unreadable")
	}
	return p, nil
}

// merge feeds the chunks' partials to a report.Merger one chunk at a time, then streams
// the sorted hash runs of all chunks for duplicate rows and unique rules. Memory stays
// bounded by the column summaries, one chunk's partials, and a read buffer and a batch of
// decoded records per chunk, whatever the number of rows. The partials run kept in
// memory are used as they are; a one-chunk dataset's partials that were neither kept
// nor stored (a worker took this step over) are computed again from the dataset.
func (r *Runner) merge(ctx context.Context, run *stepRun, l *report.Layout, rules []report.Rule) (*report.Report, error) {
	kept := run.kept
	if kept != nil && (kept.index < 0 || kept.index >= len(l.Chunks)) {
		kept = nil
	}
	var stored storedPartials
	if kept == nil || len(l.Chunks) > 1 {
		var err error
		if stored, err = r.partialRefs(ctx, run.Task.ID); err != nil {
			return nil, err
		}
	}
	if kept == nil && len(l.Chunks) == 1 && stored.none(0) {
		ps, err := r.computeChunk(ctx, run, l, 0, rules, report.AllParts)
		if err != nil {
			return nil, err
		}
		kept = &keptChunk{index: 0, partials: ps}
	}
	isKept := func(i int) bool { return kept != nil && kept.index == i }
	ref := stored.at
	m := report.NewMerger(l, rules)
	for i := range l.Chunks {
		if isKept(i) {
			ps := kept.partials
			if err := m.Add(ps.Normalize, ps.Enrich, ps.Validate); err != nil {
				return nil, mergeError(err)
			}
			continue
		}
		np, err := loadPartial(ctx, r, ref(kindNormalize, i), kindNormalize, i, report.UnmarshalNormalize)
		if err != nil {
			return nil, err
		}
		ep, err := loadPartial(ctx, r, ref(kindEnrich, i), kindEnrich, i, report.UnmarshalEnrich)
		if err != nil {
			return nil, err
		}
		vp, err := loadPartial(ctx, r, ref(kindValidate, i), kindValidate, i, report.UnmarshalValidate)
		if err != nil {
			return nil, err
		}
		if err := m.Add(np, ep, vp); err != nil {
			return nil, mergeError(err)
		}
	}
	var readers []*ctxReader
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	// A failed read may pass on a retry; bytes that do not merge will not.
	classify := func(err error) error {
		for _, cr := range readers {
			if cr.err != nil {
				return fmt.Errorf("aggregate: read partial: %w", cr.err)
			}
		}
		return mergeError(err)
	}
	open := func(kind string, i int, read func(io.Reader, report.Chunk) (*report.HashRun, error)) (*report.HashRun, error) {
		rc, err := r.openStored(ctx, ref(kind, i))
		if err != nil {
			return nil, err
		}
		closers = append(closers, rc)
		cr := &ctxReader{ctx: ctx, r: rc}
		readers = append(readers, cr)
		run, err := read(cr, l.Chunks[i])
		if err != nil {
			return nil, classify(err)
		}
		return run, nil
	}
	rowRuns := make([]*report.HashRun, len(l.Chunks))
	for i := range l.Chunks {
		if isKept(i) {
			rowRuns[i] = kept.partials.Normalize.RowHashRun()
			continue
		}
		var err error
		if rowRuns[i], err = open(kindNormalize, i, report.NewRowHashRun); err != nil {
			return nil, err
		}
	}
	var uniqueRuns [][]*report.HashRun
	for j, rule := range rules {
		if rule.Check != report.CheckUnique {
			continue
		}
		runs := make([]*report.HashRun, len(l.Chunks))
		for i := range l.Chunks {
			if isKept(i) {
				runs[i] = kept.partials.Validate.UniqueHashRun(j)
				continue
			}
			var err error
			runs[i], err = open(kindValidate, i, func(rd io.Reader, c report.Chunk) (*report.HashRun, error) {
				return report.NewUniqueHashRun(rd, c, j)
			})
			if err != nil {
				return nil, err
			}
		}
		uniqueRuns = append(uniqueRuns, runs)
	}
	rep, err := m.Finish(rowRuns, uniqueRuns)
	if err != nil {
		return nil, classify(err)
	}
	return rep, nil
}

// mergeError is permanent unless it is the user's: a retry merges the same bytes.
func mergeError(err error) error {
	var ie *report.InputError
	if errors.As(err, &ie) {
		return err
	}
	return permanentf(err, "the partial results could not be merged")
}
