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

// readAll reads every record with read, copying each, and returns the error
// that ended the reading (nil at io.EOF).
func readAll(read func() ([]string, error)) ([][]string, error) {
	var out [][]string
	for {
		rec, err := read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, slices.Clone(rec))
	}
}

// sameAsCSV checks that recordReader, over a buffer of bufSize bytes, reads
// data as encoding/csv does: the same records, then the same kind of error
// or none.
func sameAsCSV(t *testing.T, data []byte, comma byte, bufSize int) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.FieldsPerRecord = rune(comma), -1
	want, wantErr := readAll(cr.Read)
	rr := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), bufSize), comma)
	got, gotErr := readAll(rr.Read)
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("%q (comma %q): records\n%q\nwant\n%q", data, comma, got, want)
	}
	var gotPE, wantPE *csv.ParseError
	if (gotErr == nil) != (wantErr == nil) || errors.As(gotErr, &gotPE) && errors.As(wantErr, &wantPE) && !errors.Is(gotPE.Err, wantPE.Err) {
		t.Fatalf("%q (comma %q): error %v, want %v", data, comma, gotErr, wantErr)
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
