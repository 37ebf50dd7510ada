package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"testing"
)

// reading is what a reader gave: each record with the input offset and the
// line it starts on, then the error that ended the reading (nil at io.EOF).
type reading struct {
	recs    [][]string
	offsets []int64
	lines   []int
	err     error
}

// readAll reads every record with read, copying each, and notes offset and
// line after each.
func readAll(read func() ([]string, error), offset func() int64, line func() int) reading {
	var out reading
	for {
		rec, err := read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				out.err = err
			}
			return out
		}
		out.recs = append(out.recs, slices.Clone(rec))
		out.offsets = append(out.offsets, offset())
		out.lines = append(out.lines, line())
	}
}

// sameAsCSV checks that recordReader, over a buffer of bufSize bytes, reads
// data as encoding/csv does: the same records at the same offsets and lines,
// then the same parse error, if any.
func sameAsCSV(t *testing.T, data []byte, comma byte, bufSize int) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.FieldsPerRecord = rune(comma), -1
	want := readAll(cr.Read, cr.InputOffset, func() int { line, _ := cr.FieldPos(0); return line })
	rr := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), bufSize), comma)
	got := readAll(rr.Read, rr.InputOffset, rr.Line)
	if !slices.EqualFunc(got.recs, want.recs, slices.Equal) {
		t.Fatalf("%q (comma %q): records\n%q\nwant\n%q", data, comma, got.recs, want.recs)
	}
	if !slices.Equal(got.offsets, want.offsets) || !slices.Equal(got.lines, want.lines) {
		t.Fatalf("%q (comma %q): offsets %v lines %v, want %v and %v", data, comma, got.offsets, got.lines, want.offsets, want.lines)
	}
	var gotPE, wantPE *csv.ParseError
	if (got.err == nil) != (want.err == nil) || errors.As(want.err, &wantPE) && (!errors.As(got.err, &gotPE) || *gotPE != *wantPE) {
		t.Fatalf("%q (comma %q): error %v, want %v", data, comma, got.err, want.err)
	}
}

func TestRecordReaderReadsAsCSV(t *testing.T) {
	for _, data := range recordSeeds {
		for _, comma := range []byte{',', ';', '\t', '|'} {
			for _, size := range []int{16, 4096} {
				sameAsCSV(t, []byte(data), comma, size)
			}
		}
	}
}

var recordSeeds = []string{
	"",
	"a,b,c\n1,2,3\n",
	"a,b,c\r\n1,2,3\r\n",
	"a,b\n\n\r\n1,2",
	"a,b\n1,2\r",
	"a,b\n1,2\r\r",
	"\r\r\n,\r\n",
	"a;b|c\td\n1;2|3\t4\n",
	"a,b\n1,\"x,y\"\n2,3\n",
	"a,b\n1,\"x\ny\"\n2,3\n",
	"a,b\n1,x\"y\n",
	"a,b\n\"1,2\n",
	"a,b\n1,this line is longer than the sixteen-byte buffer,2\n3,4\n",
	" a , b \n 1 , 2 \n",
	",,,\n,,,",
	"é,ü\n€,😀\n",
	"a\x00b,c\n",
	"a,b\n1,2\n\n3,\"x\n\ny\"\n\n4,5\n6,\"7\"\"\n",
	"a,b\n1,2\n3,\"x\ny\"z\n",
	"a,b\n1,2\n3,\"unclosed\n4,5\n",
	"a,b\n1,2\n3,4\"\n",
	"a,b\r\n\"1\",\"2\"\r\n3,4\r\n\"5\r\n6\",7",
}

// FuzzRecordReader checks recordReader against encoding/csv on any input,
// with the small buffer that hands long lines over too.
func FuzzRecordReader(f *testing.F) {
	for _, s := range recordSeeds {
		f.Add([]byte(s), byte(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		comma := []byte{',', ';', '\t', '|'}[delim%4]
		sameAsCSV(t, data, comma, 16)
	})
}
