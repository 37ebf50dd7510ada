package report

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/axiomhq/hyperloglog"
)

// codecVersion is bumped whenever a wire struct changes incompatibly.
const codecVersion = 1

type normalizeWire struct {
	Version   int
	Chunk     int
	FirstRow  int64
	Rows      int64
	Columns   []ColumnTypes
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
	Count          int64
	Nulls          int64
	DistinctExact  bool
	DistinctHashes []byte
	Numeric        NumericStats
	Top            []TrackedValue
	TopTruncated   bool
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

type ruleWire struct {
	Failed      int64
	FailedRows  []byte
	Unique      bool
	ValueHashes []byte
}

// MarshalBinary encodes the partial for storage between pipeline stages.
func (p *NormalizePartial) MarshalBinary() ([]byte, error) {
	return encodeGob(normalizeWire{
		Version: codecVersion, Chunk: p.Chunk, FirstRow: p.FirstRow, Rows: p.Rows,
		Columns: p.Columns, RowHashes: packUint64s(p.RowHashes),
	})
}

// UnmarshalNormalize decodes a NormalizePartial written by MarshalBinary.
func UnmarshalNormalize(b []byte) (*NormalizePartial, error) {
	var w normalizeWire
	if err := decodeGob(b, &w); err != nil {
		return nil, fmt.Errorf("decode normalize partial: %w", err)
	}
	hashes, err := unpackUint64s(w.RowHashes)
	if err != nil || int64(len(hashes)) != w.Rows {
		return nil, errors.New("decode normalize partial: row hashes do not match the row count")
	}
	return &NormalizePartial{Chunk: w.Chunk, FirstRow: w.FirstRow, Rows: w.Rows, Columns: w.Columns, RowHashes: hashes}, nil
}

// MarshalBinary encodes the partial for storage between pipeline stages.
func (p *EnrichPartial) MarshalBinary() ([]byte, error) {
	w := enrichWire{Version: codecVersion, Chunk: p.Chunk, FirstRow: p.FirstRow, Rows: p.Rows, Columns: make([]enrichColumnWire, len(p.Columns))}
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
		w.Columns[i] = enrichColumnWire{
			Count: c.Count, Nulls: c.Nulls, DistinctExact: c.DistinctExact, DistinctHashes: packUint64s(c.DistinctHashes),
			Numeric: c.Numeric, Top: c.Top, TopTruncated: c.TopTruncated, MinLength: c.MinLength, MaxLength: c.MaxLength,
			Formats: c.Formats, HLL: hll, Quantiles: q,
		}
	}
	return encodeGob(w)
}

// UnmarshalEnrich decodes an EnrichPartial written by MarshalBinary.
func UnmarshalEnrich(b []byte) (*EnrichPartial, error) {
	var w enrichWire
	if err := decodeGob(b, &w); err != nil {
		return nil, fmt.Errorf("decode enrich partial: %w", err)
	}
	p := &EnrichPartial{Chunk: w.Chunk, FirstRow: w.FirstRow, Rows: w.Rows, Columns: make([]*ColumnProfile, len(w.Columns))}
	for i, c := range w.Columns {
		hashes, err := unpackUint64s(c.DistinctHashes)
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
			Numeric: c.Numeric, Top: c.Top, TopTruncated: c.TopTruncated, MinLength: c.MinLength, MaxLength: c.MaxLength,
			Formats: c.Formats, hll: hll, quantiles: q,
		}
	}
	return p, nil
}

// MarshalBinary encodes the partial for storage between pipeline stages.
func (p *ValidatePartial) MarshalBinary() ([]byte, error) {
	w := validateWire{Version: codecVersion, Chunk: p.Chunk, FirstRow: p.FirstRow, Rows: p.Rows, Rules: make([]ruleWire, len(p.Rules))}
	for i, r := range p.Rules {
		w.Rules[i] = ruleWire{Failed: r.failed.n, FailedRows: r.failed.buf, Unique: r.ValueHashes != nil, ValueHashes: packUint64s(r.ValueHashes)}
	}
	return encodeGob(w)
}

// UnmarshalValidate decodes a ValidatePartial written by MarshalBinary.
func UnmarshalValidate(b []byte) (*ValidatePartial, error) {
	var w validateWire
	if err := decodeGob(b, &w); err != nil {
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
			hashes, err := unpackUint64s(r.ValueHashes)
			if err != nil {
				return nil, fmt.Errorf("decode validate partial: rule %d: %w", i+1, err)
			}
			if hashes == nil {
				hashes = []uint64{} // non-nil marks the rule as unique
			}
			p.Rules[i].ValueHashes = hashes
		}
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
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
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
	if version != codecVersion {
		return fmt.Errorf("unsupported partial version %d (want %d)", version, codecVersion)
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
