package report

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Duplicate rows and unique rules compare hashes across the whole file. Each
// chunk stores its hashes as a run sorted by (hash, row), after the partial's
// header; Aggregate merges the runs of all chunks as streams, so finding
// repeats needs memory for a small batch of records per chunk rather than one
// per row.

// hashRecordBytes is the size of a stored run record: the hash and the
// row's 0-based offset in its chunk, both little-endian.
const hashRecordBytes = 12

// hashRecord is one row's hash; Row is the 0-based offset in its chunk until
// a HashRun makes it a 1-based data row number.
type hashRecord struct {
	Hash uint64
	Row  int64
}

func compareRecords(a, b hashRecord) int {
	if c := cmp.Compare(a.Hash, b.Hash); c != 0 {
		return c
	}
	return cmp.Compare(a.Row, b.Row)
}

// sortedRecords returns the (hash, offset) records of hashes, skipping
// zeros (nulls) when skipZero is set, in ascending order.
func sortedRecords(hashes []uint64, skipZero bool) []hashRecord {
	recs := make([]hashRecord, 0, len(hashes))
	for i, h := range hashes {
		if h == 0 && skipZero {
			continue
		}
		recs = append(recs, hashRecord{Hash: h, Row: int64(i)})
	}
	// The records are in row order: a stable sort by hash leaves them by (hash, row).
	return radixSortByHash(recs)
}

// radixSortByHash sorts recs stably by Hash, a byte at a time from the lowest (LSD radix
// sort: eight counting passes, about twice as fast on a chunk's hashes as a comparison
// sort), and returns the sorted slice, which may be a new one. A pass on a byte all
// hashes share is skipped.
func radixSortByHash(recs []hashRecord) []hashRecord {
	if len(recs) < 64 {
		slices.SortStableFunc(recs, func(a, b hashRecord) int { return cmp.Compare(a.Hash, b.Hash) })
		return recs
	}
	src, dst := recs, make([]hashRecord, len(recs))
	var counts [8][256]int
	for _, r := range src {
		for b := range 8 {
			counts[b][digit(r.Hash, b)]++
		}
	}
	for b := range 8 {
		c := &counts[b]
		if c[digit(src[0].Hash, b)] == len(src) {
			continue // every hash has this byte
		}
		pos := 0
		for i, n := range c {
			c[i] = pos
			pos += n
		}
		for _, r := range src {
			d := digit(r.Hash, b)
			dst[c[d]] = r
			c[d]++
		}
		src, dst = dst, src
	}
	return src
}

// digit is byte b (0: the lowest) of h.
func digit(h uint64, b int) byte {
	return byte(h >> (8 * b)) // #nosec G115 -- keeping only the low byte is the point
}

func appendRecords(b []byte, recs []hashRecord) []byte {
	for _, r := range recs {
		b = binary.LittleEndian.AppendUint64(b, r.Hash)
		b = binary.LittleEndian.AppendUint32(b, uint32(r.Row)) // #nosec G115 -- an offset within one chunk
	}
	return b
}

// HashRun yields one chunk's stored hashes in ascending order of hash, then
// row. Open one with NewRowHashRun or NewUniqueHashRun; Aggregate builds its
// own from in-memory partials.
type HashRun struct {
	r io.Reader
	// recs are the records still to yield: all of them for a run in memory,
	// what is left of the last batch decoded from r otherwise.
	recs  []hashRecord
	left  int64 // records still to read from r
	first int64
	rows  int64
	prev  hashRecord
	read  bool
	// buf and batch hold one batch of records read from r.
	buf   []byte
	batch []hashRecord
}

// runBatch is how many records a HashRun reads from its stream at once.
const runBatch = 128

// next returns the next record with Row as a 1-based data row number.
func (h *HashRun) next() (hashRecord, bool, error) {
	if len(h.recs) == 0 {
		if h.r == nil || h.left == 0 {
			return hashRecord{}, false, nil
		}
		if err := h.fill(); err != nil {
			return hashRecord{}, false, err
		}
	}
	rec := h.recs[0]
	h.recs = h.recs[1:]
	rec.Row += h.first
	return rec, true, nil
}

// fill reads and checks the next batch of records from the stream.
func (h *HashRun) fill() error {
	n := int(min(h.left, runBatch))
	if h.buf == nil {
		h.buf, h.batch = make([]byte, runBatch*hashRecordBytes), make([]hashRecord, 0, runBatch)
	}
	b := h.buf[:n*hashRecordBytes]
	if _, err := io.ReadFull(h.r, b); err != nil {
		return fmt.Errorf("hash run: %w", err)
	}
	h.left -= int64(n)
	h.batch = h.batch[:0]
	for ; len(b) > 0; b = b[hashRecordBytes:] {
		rec := hashRecord{Hash: binary.LittleEndian.Uint64(b), Row: int64(binary.LittleEndian.Uint32(b[8:]))}
		if rec.Row >= h.rows || (h.read && compareRecords(h.prev, rec) >= 0) {
			return errors.New("hash run: records out of order or out of the chunk")
		}
		h.prev, h.read = rec, true
		h.batch = append(h.batch, rec)
	}
	h.recs = h.batch
	return nil
}

// NewRowHashRun reads the row hashes of chunk c from its stored normalize
// partial, as MarshalBinary wrote it, for duplicate-row detection.
func NewRowHashRun(r io.Reader, c Chunk) (*HashRun, error) {
	br := bufio.NewReaderSize(r, 8<<10)
	var w normalizeWire
	if err := decodeGobFrom(br, &w); err != nil {
		return nil, fmt.Errorf("row hash run: %w", err)
	}
	if w.Chunk != c.Index || w.Rows != c.Rows || w.FirstRow != c.FirstRow {
		return nil, fmt.Errorf("row hash run: partial of chunk %d does not match the layout", c.Index)
	}
	return &HashRun{r: br, left: w.Rows, first: c.FirstRow, rows: c.Rows}, nil
}

// NewUniqueHashRun reads the value hashes of rule number rule (0-based, in
// rule order; it must be a unique rule) of chunk c from its stored validate
// partial.
func NewUniqueHashRun(r io.Reader, c Chunk, rule int) (*HashRun, error) {
	br := bufio.NewReaderSize(r, 8<<10)
	var w validateWire
	if err := decodeGobFrom(br, &w); err != nil {
		return nil, fmt.Errorf("unique hash run: %w", err)
	}
	if w.Chunk != c.Index || w.Rows != c.Rows || w.FirstRow != c.FirstRow || rule < 0 || rule >= len(w.Rules) || !w.Rules[rule].Unique {
		return nil, fmt.Errorf("unique hash run: partial of chunk %d does not match the layout and rules", c.Index)
	}
	for _, rw := range w.Rules[:rule] {
		if rw.Unique {
			if _, err := io.CopyN(io.Discard, br, rw.Entries*hashRecordBytes); err != nil {
				return nil, fmt.Errorf("unique hash run: %w", err)
			}
		}
	}
	return &HashRun{r: br, left: w.Rules[rule].Entries, first: c.FirstRow, rows: c.Rows}, nil
}

// mergeRuns visits the records of all runs in ascending (hash, row) order;
// repeat says the hash equals the previous record's, i.e. an earlier row
// has the same hash. It holds one record per run.
func mergeRuns(runs []*HashRun, fn func(rec hashRecord, repeat bool)) error {
	type head struct {
		rec hashRecord
		run *HashRun
	}
	heap := make([]head, 0, len(runs))
	less := func(i, j int) bool { return compareRecords(heap[i].rec, heap[j].rec) < 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(heap) {
				return
			}
			m := l
			if r := l + 1; r < len(heap) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			heap[i], heap[m] = heap[m], heap[i]
			i = m
		}
	}
	for _, r := range runs {
		rec, ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap = append(heap, head{rec, r})
		}
	}
	for i := len(heap)/2 - 1; i >= 0; i-- {
		down(i)
	}
	var prev uint64
	started := false
	for len(heap) > 0 {
		top := heap[0].rec
		fn(top, started && top.Hash == prev)
		prev, started = top.Hash, true
		rec, ok, err := heap[0].run.next()
		if err != nil {
			return err
		}
		if ok {
			heap[0].rec = rec
		} else {
			heap[0] = heap[len(heap)-1]
			heap = heap[:len(heap)-1]
		}
		down(0)
	}
	return nil
}
