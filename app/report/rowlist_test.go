package report

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

func TestDecodeRowList(t *testing.T) {
	var valid rowList
	for _, r := range []int64{3, 4, 9} {
		valid.add(r)
	}
	uv := func(ds ...uint64) []byte {
		var b []byte
		for _, d := range ds {
			b = binary.AppendUvarint(b, d)
		}
		return b
	}
	tests := []struct {
		name    string
		buf     []byte
		n       int64
		want    []int64
		wantErr bool
	}{
		{name: "round trip", buf: valid.buf, n: 3, want: []int64{3, 4, 9}},
		{name: "repeated row", buf: uv(3, 0), n: 2, wantErr: true},
		{name: "past last", buf: uv(3, 8), n: 2, wantErr: true},
		// 2^64-2 wraps to -2 as an int64: it would step back from 5 to 3, inside the range.
		{name: "delta that wraps backwards", buf: uv(5, math.MaxUint64-1), n: 2, wantErr: true},
		{name: "wrong count", buf: uv(3, 1), n: 3, wantErr: true},
		{name: "truncated", buf: []byte{0x80}, n: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := decodeRowList(tt.buf, tt.n, 0, 10)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			l.each(func(r int64) bool { got = append(got, r); return true })
			if !slices.Equal(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
		})
	}
}
