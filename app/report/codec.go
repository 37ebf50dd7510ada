package report

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/axiomhq/hyperloglog"
)

// codecVersion is bumped whenever a wire struct changes incompatibly.
// Version 2 moved row and value hashes out of the gob header into sorted
// runs after it (see HashRun) and top values to a Misra–Gries summary.
// Version 3 moves an enrich partial's distinct hashes and top values out of
// the header into sections after it, the top values packed (packTop);
// partials of version 2 still decode.
const (
	codecVersion  = 3
	oldestVersion = 2
)

type normalizeWire struct {
	Version  int
	Chunk    int
	FirstRow int64
	Rows     int64
	Columns  []ColumnTypes
	// RowHashes is unused since version 2: Rows hash records follow the
	// header, sorted by (hash, row).
	RowHashes []byte
}

type enrichWire struct {
	Version  int
	Chunk    int
	FirstRow int64
	Rows     int64
	Columns  []enrichColumnWire
}

type enrichColumnWire struct {
	Count         int64
	Nulls         int64
	DistinctExact bool
	// DistinctHashes and Top are version 2's. Since version 3 the header
	// gives the number of distinct hashes and the size of the packed top
	// values that follow it.
	DistinctHashes []byte
	Distinct       int64
	Numeric        NumericStats
	Top            []TrackedValue
	TopBytes       int64
	TopError       int64
	MinLength      int64
	MaxLength      int64
	Formats        FormatCounts
	HLL            []byte
	Quantiles      []byte
}

type validateWire struct {
	Version  int
	Chunk    int
	FirstRow int64
	Rows     int64
	Rules    []ruleWire
}

// ruleWire is one rule of a validate partial. For a unique rule, Entries
// hash records (one per non-null row, sorted by hash and row) follow the
// header, after those of earlier unique rules; ValueHashes is unused since
// version 2.
type ruleWire struct {
	Failed      int64
	FailedRows  []byte
	Unique      bool
	ValueHashes []byte
	Entries     int64
}

// MarshalBinary encodes the partial for storage between pipeline stages: a
// gob header, then the row hashes sorted by (hash, row) for NewRowHashRun.
func (p *NormalizePartial) MarshalBinary() ([]byte, error) {
	b, err := encodeGob(normalizeWire{
		Version: codecVersion, Chunk: p.Chunk, FirstRow: p.FirstRow, Rows: p.Rows, Columns: p.Columns,
	})
	if err != nil {
		return nil, err
	}
	return appendRecords(b, sortedRecords(p.RowHashes, false)), nil
}

// UnmarshalNormalize decodes a NormalizePartial written by MarshalBinary.
func UnmarshalNormalize(b []byte) (*NormalizePartial, error) {
	var w normalizeWire
	r := bytes.NewReader(b)
	if err := decodeGobFrom(r, &w); err != nil {
		return nil, fmt.Errorf("decode normalize partial: %w", err)
	}
	hashes, err := readRecords(r, w.Rows, w.Rows, false)
	if err != nil || r.Len() != 0 {
		return nil, errors.New("decode normalize partial: row hashes do not match the row count")
	}
	return &NormalizePartial{Chunk: w.Chunk, FirstRow: w.FirstRow, Rows: w.Rows, Columns: w.Columns, RowHashes: hashes}, nil
}

// MarshalBinary encodes the partial for storage between pipeline stages: a
// gob header, then each column's distinct hashes (packUint64s) and top values
// (packTop), whose sizes the header gives.
func (p *EnrichPartial) MarshalBinary() ([]byte, error) {
	w := enrichWire{Version: codecVersion, Chunk: p.Chunk, FirstRow: p.FirstRow, Rows: p.Rows, Columns: make([]enrichColumnWire, len(p.Columns))}
	sections := make([][]byte, 0, 2*len(p.Columns))
	size := 0
	for i, c := range p.Columns {
		var hll []byte
		if c.hll != nil {
			var err error
			if hll, err = c.hll.MarshalBinary(); err != nil {
				return nil, fmt.Errorf("encode enrich partial: distinct sketch: %w", err)
			}
		}
		var q []byte
		c.quantiles.Encode(&q, false)
		distinct, top := packUint64s(c.DistinctHashes), packTop(c.Top)
		sections = append(sections, distinct, top)
		size += len(distinct) + len(top)
		w.Columns[i] = enrichColumnWire{
			Count: c.Count, Nulls: c.Nulls, DistinctExact: c.DistinctExact, Distinct: int64(len(c.DistinctHashes)),
			Numeric: c.Numeric, TopBytes: int64(len(top)), TopError: c.TopError, MinLength: c.MinLength, MaxLength: c.MaxLength,
			Formats: c.Formats, HLL: hll, Quantiles: q,
		}
	}
	header, err := encodeGob(w)
	if err != nil {
		return nil, err
	}
	b := append(make([]byte, 0, len(header)+size), header...)
	for _, sec := range sections {
		b = append(b, sec...)
	}
	return b, nil
}

// UnmarshalEnrich decodes an EnrichPartial written by MarshalBinary.
func UnmarshalEnrich(b []byte) (*EnrichPartial, error) {
	var w enrichWire
	rd := bytes.NewReader(b)
	if err := decodeGobFrom(rd, &w); err != nil {
		return nil, fmt.Errorf("decode enrich partial: %w", err)
	}
	rest := b[len(b)-rd.Len():]
	// section takes the next n bytes after the header.
	section := func(n int64) ([]byte, error) {
		if n < 0 || n > int64(len(rest)) {
			return nil, errors.New("truncated")
		}
		sec := rest[:n]
		rest = rest[n:]
		return sec, nil
	}
	p := &EnrichPartial{Chunk: w.Chunk, FirstRow: w.FirstRow, Rows: w.Rows, Columns: make([]*ColumnProfile, len(w.Columns))}
	for i, c := range w.Columns {
		packed, top := c.DistinctHashes, c.Top
		if w.Version >= 3 {
			var err error
			if c.Distinct > int64(len(rest))/8 {
				return nil, errors.New("decode enrich partial: distinct hashes: truncated")
			}
			if packed, err = section(8 * c.Distinct); err != nil {
				return nil, fmt.Errorf("decode enrich partial: distinct hashes: %w", err)
			}
			sec, err := section(c.TopBytes)
			if err == nil {
				top, err = unpackTop(sec)
			}
			if err != nil {
				return nil, fmt.Errorf("decode enrich partial: top values: %w", err)
			}
		}
		hashes, err := unpackUint64s(packed)
		if err != nil {
			return nil, fmt.Errorf("decode enrich partial: distinct hashes: %w", err)
		}
		var hll *hyperloglog.Sketch
		if !c.DistinctExact {
			hll = newHLL()
			if err := hll.UnmarshalBinary(c.HLL); err != nil {
				return nil, fmt.Errorf("decode enrich partial: distinct sketch: %w", err)
			}
		}
		q, err := ddsketch.DecodeDDSketch(c.Quantiles, sketchStore, nil)
		if err != nil {
			return nil, fmt.Errorf("decode enrich partial: quantile sketch: %w", err)
		}
		if !q.IndexMapping.Equals(newSketch().IndexMapping) {
			return nil, errors.New("decode enrich partial: quantile sketch has an unexpected accuracy")
		}
		p.Columns[i] = &ColumnProfile{
			Count: c.Count, Nulls: c.Nulls, DistinctExact: c.DistinctExact, DistinctHashes: hashes,
			Numeric: c.Numeric, Top: top, TopError: c.TopError, MinLength: c.MinLength, MaxLength: c.MaxLength,
			Formats: c.Formats, hll: hll, quantiles: q,
		}
	}
	if len(rest) != 0 {
		return nil, errors.New("decode enrich partial: trailing bytes")
	}
	return p, nil
}

// MarshalBinary encodes the partial for storage between pipeline stages: a
// gob header, then for each unique rule its non-null value hashes sorted by
// (hash, row), for NewUniqueHashRun.
func (p *ValidatePartial) MarshalBinary() ([]byte, error) {
	w := validateWire{Version: codecVersion, Chunk: p.Chunk, FirstRow: p.FirstRow, Rows: p.Rows, Rules: make([]ruleWire, len(p.Rules))}
	runs := make([][]hashRecord, len(p.Rules))
	for i, r := range p.Rules {
		w.Rules[i] = ruleWire{Failed: r.failed.n, FailedRows: r.failed.buf, Unique: r.ValueHashes != nil}
		if r.ValueHashes != nil {
			runs[i] = sortedRecords(r.ValueHashes, true)
			w.Rules[i].Entries = int64(len(runs[i]))
		}
	}
	b, err := encodeGob(w)
	if err != nil {
		return nil, err
	}
	for _, run := range runs {
		b = appendRecords(b, run)
	}
	return b, nil
}

// UnmarshalValidate decodes a ValidatePartial written by MarshalBinary.
func UnmarshalValidate(b []byte) (*ValidatePartial, error) {
	var w validateWire
	rd := bytes.NewReader(b)
	if err := decodeGobFrom(rd, &w); err != nil {
		return nil, fmt.Errorf("decode validate partial: %w", err)
	}
	p := &ValidatePartial{Chunk: w.Chunk, FirstRow: w.FirstRow, Rows: w.Rows, Rules: make([]RulePartial, len(w.Rules))}
	for i, r := range w.Rules {
		failed, err := decodeRowList(r.FailedRows, r.Failed, w.FirstRow, w.FirstRow+w.Rows-1)
		if err != nil {
			return nil, fmt.Errorf("decode validate partial: rule %d: %w", i+1, err)
		}
		p.Rules[i].failed = failed
		if r.Unique {
			hashes, err := readRecords(rd, r.Entries, w.Rows, true)
			if err != nil {
				return nil, fmt.Errorf("decode validate partial: rule %d: %w", i+1, err)
			}
			p.Rules[i].ValueHashes = hashes // non-nil marks the rule as unique
		}
	}
	if rd.Len() != 0 {
		return nil, errors.New("decode validate partial: trailing bytes")
	}
	return p, nil
}

func encodeGob(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("encode partial: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeGob decodes v and checks its version, which every wire struct
// carries in its first field.
func decodeGob[T interface {
	normalizeWire | enrichWire | validateWire
}](b []byte, v *T) error {
	return decodeGobFrom(bytes.NewReader(b), v)
}

// decodeGobFrom decodes one gob header from r, which being an
// io.ByteReader is read no further than the header's end.
func decodeGobFrom[T interface {
	normalizeWire | enrichWire | validateWire
}](r io.ByteReader, v *T) error {
	if err := gob.NewDecoder(r.(io.Reader)).Decode(v); err != nil {
		return err
	}
	var version int
	switch w := any(v).(type) {
	case *normalizeWire:
		version = w.Version
	case *enrichWire:
		version = w.Version
	case *validateWire:
		version = w.Version
	}
	if version < oldestVersion || version > codecVersion {
		return fmt.Errorf("unsupported partial version %d (want %d to %d)", version, oldestVersion, codecVersion)
	}
	return nil
}

// packUint64s stores hashes as fixed little-endian words: random hashes do
// not shrink under varint encoding.
func packUint64s(v []uint64) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b
}

// packTop stores top values as one record each: the hash (8 bytes,
// little-endian), then the count and the value's length as uvarints, then
// the value. Gob would encode them field by field through reflection, which
// costs more than computing them.
func packTop(top []TrackedValue) []byte {
	n := 0
	for _, t := range top {
		n += 8 + 4 + len(t.Value) // a count and a length of up to two bytes each
	}
	b := make([]byte, 0, n)
	for _, t := range top {
		b = binary.LittleEndian.AppendUint64(b, t.Hash)
		b = binary.AppendUvarint(b, uint64(t.Count)) // #nosec G115 -- counts are positive
		b = binary.AppendUvarint(b, uint64(len(t.Value)))
		b = append(b, t.Value...)
	}
	return b
}

// unpackTop decodes what packTop stored. The values share one string.
func unpackTop(b []byte) ([]TrackedValue, error) {
	out := make([]TrackedValue, 0, topRecords(b))
	text := string(b)
	for i := 0; i < len(b); {
		if len(b)-i < 8 {
			return nil, errors.New("truncated record")
		}
		t := TrackedValue{Hash: binary.LittleEndian.Uint64(b[i:])}
		i += 8
		count, n := binary.Uvarint(b[i:])
		if n <= 0 || count == 0 || count > math.MaxInt64 {
			return nil, errors.New("bad count")
		}
		i += n
		size, n := binary.Uvarint(b[i:])
		if n <= 0 || size > uint64(len(b)) { // #nosec G115 -- a length is never negative
			return nil, errors.New("bad value length")
		}
		i += n
		end := i + int(size) // #nosec G115 -- size is at most len(b), an int
		if end > len(b) {
			return nil, errors.New("bad value length")
		}
		t.Count, t.Value = int64(count), text[i:end] // #nosec G115 -- count is checked above
		i = end
		out = append(out, t)
	}
	return out, nil
}

// topRecords counts the records packTop stored in b, or a few less when b is
// malformed (unpackTop then says how).
func topRecords(b []byte) int {
	n := 0
	for i := 8; i < len(b); n++ {
		_, c := binary.Uvarint(b[i:])
		if c <= 0 {
			break
		}
		size, s := binary.Uvarint(b[i+c:])
		if s <= 0 || size > uint64(len(b)) {
			break
		}
		i += c + s + int(size) + 8 // #nosec G115 -- size is at most len(b)
	}
	return n
}

func unpackUint64s(b []byte) ([]uint64, error) {
	if len(b)%8 != 0 {
		return nil, errors.New("truncated hash list")
	}
	if len(b) == 0 {
		return nil, nil
	}
	v := make([]uint64, len(b)/8)
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return v, nil
}

// readRecords reads n sorted hash records of a chunk of rows rows and
// returns the hashes in row order, 0 for rows without a record (nulls, when
// sparse is set; otherwise every row must have exactly one).
func readRecords(r io.Reader, n, rows int64, sparse bool) ([]uint64, error) {
	if n < 0 || n > rows || (!sparse && n != rows) {
		return nil, errors.New("hash record count does not match the rows")
	}
	hashes := make([]uint64, rows)
	seen := newBitmap(rows)
	// r is read directly: a buffer would read past this run.
	run := &HashRun{r: r, left: n, rows: rows}
	for {
		rec, ok, err := run.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if seen.has(rec.Row) || (sparse && rec.Hash == 0) {
			return nil, errors.New("hash records repeat a row")
		}
		seen.set(rec.Row)
		hashes[rec.Row] = rec.Hash
	}
	return hashes, nil
}
