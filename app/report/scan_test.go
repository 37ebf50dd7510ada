package report

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/stretchr/testify/require"
)

func TestScanInputErrors(t *testing.T) {
	big := strings.Repeat("x", DefaultMaxFieldBytes+1)
	tests := []struct {
		name string
		data string
		opts ScanOptions
		want string
	}{
		{"empty", "", ScanOptions{}, "the file is empty"},
		{"only BOM", "\xef\xbb\xbf", ScanOptions{}, "the file is empty"},
		{"only blank lines", "\n\n\r\n", ScanOptions{}, "the file is empty"},
		{"header only", "a,b,c", ScanOptions{}, "the file has a header but no data rows"},
		{"header only with newline", "a,b,c\n\n", ScanOptions{}, "the file has a header but no data rows"},
		{"NUL byte", "a,b\n1,\x002\n", ScanOptions{}, "the file is not CSV text (binary data found)"},
		{"NUL far in", "a,b\n" + strings.Repeat("1,2\n", 50_000) + "\x00", ScanOptions{}, "the file is not CSV text (binary data found)"},
		{"UTF-16", "\xff\xfea\x00,\x00b\x00\n\x00", ScanOptions{}, "the file is UTF-16 text; save it as UTF-8 CSV"},
		{"PNG", "\x89PNG\r\n\x1a\n\x01\x02\x03\x04\x05\x06\x07\x08", ScanOptions{}, "the file is not CSV text (binary data found)"},
		{"invalid UTF-8", "a,b\n1,2\n3,caf\xe9\n", ScanOptions{}, "invalid UTF-8 at row 2"},
		{"invalid UTF-8 header", "a,\xff\n1,2\n", ScanOptions{}, "invalid UTF-8 in the header"},
		{"too few fields", "a,b,c\n1,2,3\n4,5\n", ScanOptions{}, "row 2 has 2 fields, the header has 3 (line 3)"},
		{"ragged after quoted line break", "a,b\n\"x\ny\",1\n2\n", ScanOptions{}, "row 2 has 1 field, the header has 2 (line 4)"},
		{"too many fields", "a\n1\n2,3\n", ScanOptions{}, "row 2 has 2 fields, the header has 1"},
		{"one field", "a,b\n1\n", ScanOptions{}, "row 1 has 1 field, the header has 2"},
		{"field too large", "a,b\n1,2\n3," + big + "\n", ScanOptions{}, "row 2: a field is larger than 1 MiB"},
		{"field too large custom", "a,b\n1,2\n3,123456789abcdefgh\n", ScanOptions{MaxFieldBytes: 16}, "row 2: a field is larger than 16 bytes"},
		{"quoted field too large", "a,b\n1,\"" + strings.Repeat("\"\"", DefaultMaxFieldBytes+1) + "\"\n", ScanOptions{}, "row 1: a field is larger than 1 MiB"},
		{"duplicate header", "id,name, id\n1,2,3\n", ScanOptions{}, `the column name "id" is used twice (columns 1 and 3)`},
		{"empty header name", "id,,name\n1,2,3\n", ScanOptions{}, "header: column 2 has an empty name"},
		{"blank header name", "id,  \n1,2\n", ScanOptions{}, "header: column 2 has an empty name"},
		{"bare quote", "a,b\n1,2\n3,4\"5\n", ScanOptions{}, "row 2: a quote character appears inside a field that is not quoted (line 3, column 4)"},
		{"bare quote in header", "a\"b,c\n1,2\n", ScanOptions{}, "header: a quote character appears"},
		{"unclosed quote", "a,b\n1,\"2\n", ScanOptions{}, "row 1: a quoted field is not closed properly"},
		{"text after quote", "a,b\n1,\"2\"x\n", ScanOptions{}, "row 1: a quoted field is not closed properly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Scan(strings.NewReader(tt.data), tt.opts)
			requireInputError(t, err, tt.want)
		})
	}
}

// endless yields the same byte forever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

func TestScanBoundsMemoryOnEndlessRecords(t *testing.T) {
	opts := ScanOptions{MaxFieldBytes: 1 << 10}
	_, err := Scan(endless('a'), opts)
	requireInputError(t, err, "header: a record is longer than 16 KiB without ending")

	_, err = Scan(io.MultiReader(strings.NewReader("a,b\n1,2\n"), endless('x')), opts)
	requireInputError(t, err, "row 2: a record is longer than 4 KiB without ending")
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// A 2 GB file that is one line is refused after the record limit, not buffered whole.
func TestScanRefusesHugeSingleLine(t *testing.T) {
	const size = 2 << 30
	tests := []struct {
		name   string
		prefix string
		fill   byte
		want   string
	}{
		{"header line", "", 'a', "header: a record is longer than 8 MiB"},
		{"data line", "id,name\n1,Ann\n", 'x', "row 2: a record is longer than 4 MiB"},
		{"many small fields", "a,b\n", ',', "row 1: a record is longer than 4 MiB"},
		{"open quote", "a,b\n1,\"", 'q', "check for a quote that is never closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{r: io.MultiReader(strings.NewReader(tt.prefix), io.LimitReader(endless(tt.fill), size))}
			_, err := Scan(cr, ScanOptions{})
			requireInputError(t, err, tt.want)
			require.Less(t, cr.n, int64(DefaultMaxRecordBytes+(1<<20)), "read far past the record limit")
		})
	}
}

func TestScanSniffsDelimiter(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"comma", "a,b\n1,2\n", ","},
		{"semicolon", "a;b;c\n1;2,5;3\n", ";"},
		{"tab", "a\tb\n1\t2\n", "\t"},
		{"pipe", "a|b\n1|2\n", "|"},
		{"one column", "name\nAnn\n", ","},
		{"quoted delimiters ignored", "\"a;b;c\",d\n\"1;2;3\",4\n", ","},
		// The header alone has as many commas as semicolons; the rows settle it.
		{"consistent across lines", "a;b,c\n1;2\n3;4\n", ";"},
		{"quoted line break", "a;b\n\"x\ny,z\";2\n", ";"},
		{"BOM", "\xef\xbb\xbfa\tb\n1\t2\n", "\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Scan(strings.NewReader(tt.data), ScanOptions{})
			if err != nil {
				// A wrong guess shows up as ragged rows; report the sniffed choice instead.
				t.Fatalf("Scan: %v (sniffed %q)", err, string(sniffDelimiter([]byte(tt.data), true)))
			}
			require.Equal(t, tt.want, l.Delimiter)
		})
	}
}

func TestScanForcedDelimiter(t *testing.T) {
	l, err := Scan(strings.NewReader("a;b\n1;2\n"), ScanOptions{Delimiter: ","})
	require.NoError(t, err)
	require.Equal(t, []string{"a;b"}, l.Columns)
	_, err = Scan(strings.NewReader("a\n1\n"), ScanOptions{Delimiter: "x"})
	require.Error(t, err)
}

func TestScanLayout(t *testing.T) {
	data := "\xef\xbb\xbf id , name \r\n1,Ann\r\n\r\n2,Bob\r\n3,Cy"
	l, err := Scan(strings.NewReader(data), ScanOptions{ChunkRows: 2})
	require.NoError(t, err)
	require.Equal(t, ",", l.Delimiter)
	require.Equal(t, []string{"id", "name"}, l.Columns)
	require.EqualValues(t, 3, l.Rows)
	require.EqualValues(t, len(data), l.Size)
	require.EqualValues(t, len("\xef\xbb\xbf id , name \r\n"), l.HeaderBytes)
	require.Equal(t, []Chunk{
		{Index: 0, Offset: l.HeaderBytes, Length: int64(len("1,Ann\r\n\r\n2,Bob\r\n")), FirstRow: 1, Rows: 2},
		{Index: 1, Offset: int64(len(data) - len("3,Cy")), Length: 4, FirstRow: 3, Rows: 1},
	}, l.Chunks)

	// The BOM is not part of the first column's name.
	rep := runCSV(t, data, []Rule{{Column: "id", Check: CheckUnique}}, ScanOptions{ChunkRows: 2})
	require.Equal(t, "id", rep.Columns[0].Name)
	require.Equal(t, TypeInteger, rep.Columns[0].Type)
	require.True(t, rep.Rules[0].Passed)

	b, err := json.Marshal(l)
	require.NoError(t, err)
	require.Contains(t, string(b), `"delimiter":","`)
	require.Contains(t, string(b), `"first_row":3`)
	var back Layout
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, *l, back)
}

func TestScanDelimiter(t *testing.T) {
	tests := []struct {
		name, data, want string
		columns          []string
	}{
		{"comma", "a,b\n1,2\n", ",", []string{"a", "b"}},
		{"semicolon", "a;b;c\n1,5;2;3\n", ";", []string{"a", "b", "c"}},
		{"semicolon beats comma", "name;price,eur;qty\nx;1,5;2\n", ";", []string{"name", "price,eur", "qty"}},
		{"tab", "a\tb\n1\t2\n", "\t", []string{"a", "b"}},
		{"pipe", "a|b\n1|2\n", "|", []string{"a", "b"}},
		{"quoted delimiters ignored", "\"a;b;c\",d\n1,2\n", ",", []string{"a;b;c", "d"}},
		{"single column", "value\n1\n", ",", []string{"value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Scan(strings.NewReader(tt.data), ScanOptions{})
			require.NoError(t, err)
			require.Equal(t, tt.want, l.Delimiter)
			require.Equal(t, tt.columns, l.Columns)
		})
	}
}

// TestChunksOnRecordBoundaries splits quoted multi-line records into chunks
// of two rows and checks every stage sees the right rows and row numbers.
func TestChunksOnRecordBoundaries(t *testing.T) {
	data := "id;note\r\n" +
		"1;\"first\r\nline\"\r\n" +
		"2;plain\r\n" +
		"3;\"a;b\n\n\"\"quoted\"\"\"\n" +
		"\n" +
		"4;\n" +
		"5;\"\n\"\n" +
		"6;last"
	want := [][]string{
		{"1", "first\nline"}, {"2", "plain"}, {"3", "a;b\n\n\"quoted\""}, {"4", ""}, {"5", "\n"}, {"6", "last"},
	}
	l, err := Scan(strings.NewReader(data), ScanOptions{ChunkRows: 2})
	require.NoError(t, err)
	require.EqualValues(t, 6, l.Rows)
	require.Len(t, l.Chunks, 3)

	raw := []byte(data)
	for i, c := range l.Chunks {
		require.Equal(t, i, c.Index)
		require.EqualValues(t, 2*i+1, c.FirstRow)
		require.EqualValues(t, 2, c.Rows)

		cr := csv.NewReader(chunkBytes(raw, c))
		cr.Comma = ';'
		got, err := cr.ReadAll()
		require.NoError(t, err)
		require.Equal(t, want[2*i:2*i+2], got, "chunk %d", i)

		np, err := normalizeChunk(chunkBytes(raw, c), l, c)
		require.NoError(t, err)
		require.Equal(t, c.FirstRow, np.FirstRow)
		require.EqualValues(t, 2, np.Rows)
		for k, row := range want[2*i : 2*i+2] {
			var key []byte
			for _, f := range row {
				key = appendRowKey(key, strings.TrimSpace(f))
			}
			require.Equal(t, xxhash.Sum64(key), np.RowHashes[k], "chunk %d row %d", i, k)
		}

		vp, err := validateChunk(chunkBytes(raw, c), l, c, []Rule{{Column: "note", Check: CheckNotNull}})
		require.NoError(t, err)
		// Row 4 is empty and row 5 holds only a newline: both are null.
		wantFailed := [][]int64{{}, {4}, {5}}[i]
		require.Equal(t, wantFailed, vp.Rules[0].FailedRows())
	}

	// A chunk reader refuses a range that does not hold the promised rows.
	bad := l.Chunks[0]
	bad.Rows = 3
	_, err = normalizeChunk(chunkBytes(raw, l.Chunks[0]), l, bad)
	require.ErrorContains(t, err, "found 2 rows, the layout says 3")
	bad.Rows = 1
	_, err = enrichChunk(chunkBytes(raw, l.Chunks[0]), l, bad)
	require.ErrorContains(t, err, "more than the 1 rows")
}
