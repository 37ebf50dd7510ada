package report

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzScan checks that Scan never panics, fails only with *InputError on
// in-memory input, and that on success its chunks tile the file and the
// stages read back exactly Layout.Rows rows.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n",
		"\xef\xbb\xbfa;b\r\n1;2\r\n3;4",
		"a\tb\n\"x\ty\"\t2\n\n\n3\t4\n",
		"a|b\n\"multi\nline\"|\"quo\"\"te\"\n",
		"id,note\n1,\"a\n\nb\"\n2,\"\"\n3,\n",
		"a,b\n1,2,3\n",
		"a,a\n1,2\n",
		"a,b\n1,\"2\n",
		"a,b\n1,x\"y\n",
		"a\n\xff\n",
		"a\n\x00\n",
		"a\r\n1\r",
		"0\n\"\"\n0\n\n", // trailing blank line after a full chunk
		"",
		" \n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := ScanOptions{ChunkRows: 2, MaxFieldBytes: 64}
		l, err := Scan(bytes.NewReader(data), opts)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Scan failed without an InputError: %v", err)
			}
			return
		}
		if l.Size != int64(len(data)) {
			t.Fatalf("Size = %d, file has %d bytes", l.Size, len(data))
		}
		next := l.HeaderBytes
		var rows int64
		for i, c := range l.Chunks {
			if c.Index != i || c.Offset != next || c.FirstRow != rows+1 {
				t.Fatalf("chunk %d does not follow on: %+v", i, c)
			}
			next = c.Offset + c.Length
			p, err := normalizeChunk(chunkBytes(data, c), l, c)
			if err != nil {
				t.Fatalf("Normalize chunk %d: %v", i, err)
			}
			rows += p.Rows
		}
		if next != l.Size {
			t.Fatalf("chunks end at %d, the file at %d", next, l.Size)
		}
		if rows != l.Rows {
			t.Fatalf("Normalize read %d rows, Scan counted %d", rows, l.Rows)
		}
		rules := []Rule{{Column: l.Columns[0], Check: CheckUnique}, {Column: l.Columns[0], Check: CheckNotNull}}
		if _, err := Run(bytes.NewReader(data), int64(len(data)), rules, opts); err != nil {
			t.Fatalf("Run: %v", err)
		}
	})
}
