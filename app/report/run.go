package report

import (
	"encoding"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// Run produces the report of a whole file in-process, the way the pipeline
// does across jobs: Scan, then Normalize, Enrich and Validate on every chunk,
// each partial round-tripped through its binary encoding, then Aggregate.
// Stages run on GOMAXPROCS workers and start on a chunk as soon as Scan has
// passed it. Rules are checked against the file's columns.
func Run(r io.ReaderAt, size int64, rules []Rule, opts ScanOptions) (*Report, error) {
	// header holds the Delimiter and Columns, all the stages read; it is
	// set before the first task is queued.
	var header *Layout
	type partials struct {
		norm *NormalizePartial
		enr  *EnrichPartial
		val  *ValidatePartial
	}
	stages := []func(c Chunk, sr io.Reader, out *partials) error{
		func(c Chunk, sr io.Reader, out *partials) error {
			p, err := Normalize(sr, header, c)
			return roundTrip(p, err, UnmarshalNormalize, &out.norm)
		},
		func(c Chunk, sr io.Reader, out *partials) error {
			p, err := Enrich(sr, header, c)
			return roundTrip(p, err, UnmarshalEnrich, &out.enr)
		},
		func(c Chunk, sr io.Reader, out *partials) error {
			p, err := Validate(sr, header, c, rules)
			return roundTrip(p, err, UnmarshalValidate, &out.val)
		},
	}

	type task struct {
		chunk Chunk
		stage int
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
				if err := stages[t.stage](t.chunk, sr, t.out); err != nil {
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
		for s := range stages {
			tasks <- task{chunk: c, stage: s, out: out}
		}
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
func roundTrip[P encoding.BinaryMarshaler](p P, err error, decode func([]byte) (P, error), dst *P) error {
	if err != nil {
		return err
	}
	b, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	if *dst, err = decode(b); err != nil {
		return fmt.Errorf("round trip: %w", err)
	}
	return nil
}
