package report

import (
	"encoding"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// Run produces the report of a whole file in-process, the way the pipeline
// does across jobs: Scan, then one ComputeChunk pass (normalize, enrich and
// validate) on every chunk, each partial round-tripped through its binary
// encoding, then Aggregate. Chunks run on GOMAXPROCS workers, each as soon as
// Scan has passed it. Rules are checked against the file's columns.
func Run(r io.ReaderAt, size int64, rules []Rule, opts ScanOptions) (*Report, error) {
	// header holds the Delimiter and Columns, all the stages read; it is
	// set before the first task is queued.
	var header *Layout
	type partials struct {
		norm *NormalizePartial
		enr  *EnrichPartial
		val  *ValidatePartial
	}
	// compute is the pipeline's per-chunk step: one pass, three partials.
	compute := func(c Chunk, sr io.Reader, out *partials) error {
		p, err := ComputeChunk(sr, header, c, rules, AllParts)
		if err != nil {
			return err
		}
		if err := roundTrip(p.Normalize, UnmarshalNormalize, &out.norm); err != nil {
			return err
		}
		if err := roundTrip(p.Enrich, UnmarshalEnrich, &out.enr); err != nil {
			return err
		}
		return roundTrip(p.Validate, UnmarshalValidate, &out.val)
	}

	type task struct {
		chunk Chunk
		out   *partials
	}
	tasks := make(chan task, 1024)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for t := range tasks {
				sr := io.NewSectionReader(r, t.chunk.Offset, t.chunk.Length)
				if err := compute(t.chunk, sr, t.out); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}

	var results []*partials
	l, scanErr := scan(io.NewSectionReader(r, 0, size), opts, func(l *Layout, c Chunk) error {
		if header == nil {
			if err := CheckRules(rules, l.Columns); err != nil {
				return err
			}
			header = &Layout{Delimiter: l.Delimiter, Columns: l.Columns}
		}
		out := &partials{}
		results = append(results, out)
		tasks <- task{chunk: c, out: out}
		return nil
	})
	close(tasks)
	wg.Wait()
	if scanErr != nil {
		return nil, scanErr
	}
	if firstErr != nil {
		return nil, firstErr
	}
	norm := make([]*NormalizePartial, len(results))
	enr := make([]*EnrichPartial, len(results))
	val := make([]*ValidatePartial, len(results))
	for i, p := range results {
		norm[i], enr[i], val[i] = p.norm, p.enr, p.val
	}
	return Aggregate(l, rules, norm, enr, val)
}

// roundTrip stores the decoded encoding of p in dst, as the pipeline would
// see it after storing the partial.
func roundTrip[P encoding.BinaryMarshaler](p P, decode func([]byte) (P, error), dst *P) error {
	b, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	if *dst, err = decode(b); err != nil {
		return fmt.Errorf("round trip: %w", err)
	}
	return nil
}
