// Package ingest turns the bytes of a dataset — an upload or a download — into a stored,
// validated CSV file and its report.Layout. Every source goes through Store.Ingest, so an
// upload and a URL are checked and laid out the same way.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
)

// SourceFile is the name of the stored CSV file under a dataset's prefix.
const SourceFile = "source.csv"

// ndjsonFile holds an NDJSON source while it is converted; it is deleted afterwards.
const ndjsonFile = "source.ndjson"

// Store writes datasets into blob storage.
type Store struct {
	Blobs platform.Blobs
	// ChunkRows is the number of rows per pipeline chunk (default report.DefaultChunkRows).
	ChunkRows int
}

// Result is a stored and validated dataset.
type Result struct {
	// Key is the blob key of the CSV file the pipeline reads.
	Key string
	// SourceBytes is how many bytes the source had.
	SourceBytes int64
	// Format is the format of the source.
	Format Format
	// Delimiter is the delimiter found in a CSV source; empty for NDJSON.
	Delimiter string
	// Layout is the stored file's layout.
	Layout *report.Layout
}

// Ingest reads r to its end as format f, validates it and stores it under prefix (which
// ends in "/"). Problems with the input are *report.InputError. On any error nothing is
// left under prefix.
func (s Store) Ingest(ctx context.Context, prefix string, f Format, r io.Reader) (*Result, error) {
	var res *Result
	var err error
	switch f {
	case CSV:
		res, err = s.ingestCSV(ctx, prefix, r)
	case NDJSON:
		res, err = s.ingestNDJSON(ctx, prefix, r)
	default:
		err = fmt.Errorf("ingest: unknown format %q", f)
	}
	if err != nil {
		if derr := s.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix); derr != nil {
			err = errors.Join(err, fmt.Errorf("ingest: discard %s: %w", prefix, derr))
		}
		return nil, err
	}
	return res, nil
}

func (s Store) ingestCSV(ctx context.Context, prefix string, r io.Reader) (*Result, error) {
	cr := &countReader{r: r}
	key := prefix + SourceFile
	l, err := s.storeCSV(ctx, key, cr, report.ScanOptions{ChunkRows: s.ChunkRows})
	if err != nil {
		return nil, err
	}
	return &Result{Key: key, SourceBytes: cr.n, Format: CSV, Delimiter: l.Delimiter, Layout: l}, nil
}

// ingestNDJSON stores the source as it arrives while checking it and collecting its
// keys, then reads it back once to write its CSV form: two passes, neither holding more
// than a line.
func (s Store) ingestNDJSON(ctx context.Context, prefix string, r io.Reader) (*Result, error) {
	rawKey := prefix + ndjsonFile
	var cols []string
	n, err := s.tee(ctx, rawKey, r, func(r io.Reader) (err error) {
		cols, err = ndjsonColumns(r, ndjsonLimits{})
		return err
	})
	if err != nil {
		return nil, err
	}
	rc, err := s.Blobs.Open(ctx, rawKey)
	if err != nil {
		return nil, fmt.Errorf("ingest: reopen %s: %w", rawKey, err)
	}
	defer rc.Close()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(ndjsonToCSV(pw, rc, cols)) }()
	key := prefix + SourceFile
	// Nested values are quoted once more in CSV; the records may outgrow the line limit.
	l, err := s.storeCSV(ctx, key, pr, report.ScanOptions{
		ChunkRows: s.ChunkRows, Delimiter: ",", MaxRecordBytes: 3 * report.DefaultMaxRecordBytes, Generated: true,
	})
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return nil, err
	}
	if err := s.Blobs.Delete(ctx, rawKey); err != nil {
		return nil, fmt.Errorf("ingest: delete %s: %w", rawKey, err)
	}
	return &Result{Key: key, SourceBytes: n, Format: NDJSON, Layout: l}, nil
}

// storeCSV stores r under key while report.Scan validates it and computes its layout.
func (s Store) storeCSV(ctx context.Context, key string, r io.Reader, opts report.ScanOptions) (*report.Layout, error) {
	var l *report.Layout
	_, err := s.tee(ctx, key, r, func(r io.Reader) (err error) {
		l, err = report.Scan(r, opts)
		return err
	})
	return l, err
}

// tee streams r into key while check reads the same bytes. Whatever check leaves unread
// is stored too. It returns the bytes stored.
func (s Store) tee(ctx context.Context, key string, r io.Reader, check func(io.Reader) error) (int64, error) {
	pr, pw := io.Pipe()
	type putResult struct {
		n   int64
		err error
	}
	done := make(chan putResult, 1)
	src := &pipeSource{r: pr}
	go func() {
		n, err := s.Blobs.Put(ctx, key, src)
		// Unblocks the check if the store stopped reading early.
		pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
		done <- putResult{n, err}
	}()
	err := check(io.TeeReader(r, pw))
	if err == nil {
		_, err = io.Copy(pw, r)
	}
	pw.CloseWithError(err)
	put := <-done
	// The store's own failure wins over the reader error it causes (a check that saw its
	// writes fail may report that as bad input, "the file is empty"): unless the store
	// failed because the check stopped it, the client sees a server error.
	if put.err != nil && (err == nil || !src.failed) {
		err = fmt.Errorf("ingest: store %s: %w", key, put.err)
	}
	if err != nil {
		return 0, err
	}
	return put.n, nil
}

// pipeSource is the store's end of tee's pipe; failed records that the check side closed
// it with an error (so a failing Put was stopped by the check, not failing on its own).
type pipeSource struct {
	r      io.Reader
	failed bool
}

func (p *pipeSource) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		p.failed = true
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
