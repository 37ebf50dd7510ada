package report

import (
	"encoding/binary"
	"errors"
	"math"
)

// rowList is an ascending list of row numbers stored as delta-encoded
// uvarints: runs of consecutive failing rows cost one byte per row.
type rowList struct {
	buf  []byte
	n    int64
	last int64
}

func (l *rowList) add(row int64) {
	l.buf = binary.AppendUvarint(l.buf, uint64(row-l.last)) // #nosec G115 -- rows are added in increasing order
	l.last = row
	l.n++
}

// each calls fn for every row in order until fn returns false.
func (l *rowList) each(fn func(row int64) bool) {
	var row int64
	b := l.buf
	for len(b) > 0 {
		d, k := binary.Uvarint(b)
		b = b[k:]
		row += int64(d) // #nosec G115 -- deltas written by add or checked by decodeRowList
		if !fn(row) {
			return
		}
	}
}

// decodeRowList rebuilds a rowList from its encoding, checking that it
// holds n rows within [first, last].
func decodeRowList(buf []byte, n, first, last int64) (rowList, error) {
	l := rowList{buf: buf}
	b := buf
	prev := int64(0)
	for len(b) > 0 {
		d, k := binary.Uvarint(b)
		if k <= 0 || (l.n > 0 && d == 0) || d > math.MaxInt64 {
			return rowList{}, errors.New("corrupt row list")
		}
		b = b[k:]
		prev += int64(d) // #nosec G115 -- d <= MaxInt64 is checked above; a wrap goes below first
		if prev < first || prev > last {
			return rowList{}, errors.New("row list out of the chunk's range")
		}
		l.n++
	}
	if l.n != n {
		return rowList{}, errors.New("row list length mismatch")
	}
	l.last = prev
	return l, nil
}
