package ingest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/assayhq/assay/app/report"
)

// FuzzNDJSON checks that the NDJSON reader never panics, fails only with
// *report.InputError, and that whatever it accepts converts to a CSV file that
// report.Scan accepts with the same columns and one row per object. Seeds live in
// testdata/fuzz/FuzzNDJSON.
func FuzzNDJSON(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":"x"}` + "\n" + `{"c":null}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := ndjsonLimits{Line: 4 << 10, Value: 1 << 10, Columns: 64}
		cols, err := ndjsonColumns(bytes.NewReader(data), lim)
		if err != nil {
			var ie *report.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ndjsonColumns failed without an InputError: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := ndjsonToCSV(&out, bytes.NewReader(data), cols); err != nil {
			t.Fatalf("ndjsonToCSV after ndjsonColumns accepted the file: %v", err)
		}
		l, err := report.Scan(bytes.NewReader(out.Bytes()), report.ScanOptions{Delimiter: ",", MaxFieldBytes: 1 << 10, Generated: true})
		if err != nil {
			t.Fatalf("Scan of the CSV form: %v\n%q", err, out.Bytes())
		}
		if len(l.Columns) != len(cols) {
			t.Fatalf("Scan found %d columns, the reader %d", len(l.Columns), len(cols))
		}
		for i, c := range cols {
			if l.Columns[i] != strings.TrimSpace(c) {
				t.Fatalf("column %d: Scan %q, reader %q", i, l.Columns[i], c)
			}
		}
		objects := int64(0)
		lr := newLineReader(bytes.NewReader(data), lim.Line)
		for {
			if _, err := lr.next(); err != nil {
				break
			}
			objects++
		}
		if l.Rows != objects {
			t.Fatalf("Scan counted %d rows for %d objects", l.Rows, objects)
		}
	})
}
