package report

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// NormalizePartial is the Normalize result for one chunk.
type NormalizePartial struct {
	Chunk    int
	FirstRow int64
	Rows     int64
	Columns  []ColumnTypes
	// RowHashes holds one 64-bit xxhash per row, in row order, over all
	// trimmed fields. Duplicate rows are detected by comparing them; with
	// 64 bits the chance of any false match is about n²/2⁶⁵ (under 10⁻⁷ for
	// a million rows), which we accept for the compact representation.
	RowHashes []uint64
}

// ColumnTypes counts, for one column, the nulls and how many non-null values
// parse as each type. A value may count toward several types (every
// integer is also a number).
type ColumnTypes struct {
	Nulls    int64
	NonNull  int64
	Integer  int64
	Number   int64
	Boolean  int64
	Date     int64
	DateTime int64
}

func (t *ColumnTypes) add(m typeMask) {
	t.NonNull++
	if m == 0 {
		return
	}
	if m&maskInteger != 0 {
		t.Integer++
	}
	if m&maskNumber != 0 {
		t.Number++
	}
	if m&maskBoolean != 0 {
		t.Boolean++
	}
	if m&maskDate != 0 {
		t.Date++
	}
	if m&maskDateTime != 0 {
		t.DateTime++
	}
}

func (t *ColumnTypes) merge(o ColumnTypes) {
	t.Nulls += o.Nulls
	t.NonNull += o.NonNull
	t.Integer += o.Integer
	t.Number += o.Number
	t.Boolean += o.Boolean
	t.Date += o.Date
	t.DateTime += o.DateTime
}

// count returns how many non-null values parse as the named type; every
// value conforms to TypeString.
func (t *ColumnTypes) count(typ string) int64 {
	switch typ {
	case TypeInteger:
		return t.Integer
	case TypeNumber:
		return t.Number
	case TypeBoolean:
		return t.Boolean
	case TypeDate:
		return t.Date
	case TypeDateTime:
		return t.DateTime
	}
	return t.NonNull
}

// normalizer accumulates a NormalizePartial row by row.
type normalizer struct {
	p   *NormalizePartial
	buf []byte
}

func newNormalizer(ncols int, c Chunk) *normalizer {
	return &normalizer{p: &NormalizePartial{
		Chunk:     c.Index,
		FirstRow:  c.FirstRow,
		Columns:   make([]ColumnTypes, ncols),
		RowHashes: make([]uint64, 0, c.Rows),
	}}
}

// row takes one row.
func (n *normalizer) row(c *cells) {
	n.buf = n.buf[:0]
	for i, v := range c.vals {
		n.buf = appendRowKey(n.buf, v)
		col := &n.p.Columns[i]
		if c.nulls[i] {
			col.Nulls++
			continue
		}
		col.add(c.masks[i])
	}
	n.p.RowHashes = append(n.p.RowHashes, xxhash.Sum64(n.buf))
}

func (n *normalizer) partial() *NormalizePartial {
	n.p.Rows = int64(len(n.p.RowHashes))
	return n.p
}

// appendRowKey appends one trimmed field to the bytes a row hash covers.
// Length prefixes keep ("a,", "b") and ("a", ",b") apart.
func appendRowKey(buf []byte, v string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(v)))
	return append(buf, v...)
}
