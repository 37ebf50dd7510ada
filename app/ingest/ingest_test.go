package ingest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
)

func newStore(t *testing.T) (Store, string) {
	t.Helper()
	dir := t.TempDir()
	blobs, err := platform.OpenDirBlobs(dir)
	require.NoError(t, err)
	return Store{Blobs: blobs, ChunkRows: 2}, dir
}

func readBlob(t *testing.T, s Store, key string) string {
	t.Helper()
	rc, err := s.Blobs.Open(context.Background(), key)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}

func TestIngest(t *testing.T) {
	tests := []struct {
		name      string
		format    Format
		data      string
		stored    string // "" means the source itself
		delimiter string
		columns   []string
		rows      int64
	}{
		{"csv semicolon", CSV, "a;b\n1;2,5\n3;4\n", "", ";", []string{"a", "b"}, 2},
		{"csv tab with BOM", CSV, "\xef\xbb\xbfa\tb\n1\t2\n", "", "\t", []string{"a", "b"}, 1},
		{"csv quoted line breaks", CSV, "a,b\n\"x\ny\",1\n\"p,q\",2\n3,4\n", "", ",", []string{"a", "b"}, 3},
		{"ndjson", NDJSON, `{"a":1}` + "\n" + `{"b":{"c":true},"a":null}` + "\n" + `{"b":"x;y"}` + "\n",
			"a,b\n1,\n,\"{\"\"c\"\":true}\"\n,x;y\n", "", []string{"a", "b"}, 3},
		{"ndjson one column with a semicolon", NDJSON, `{"a;b":1}`, "a;b\n1\n", "", []string{"a;b"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := newStore(t)
			res, err := s.Ingest(context.Background(), "datasets/o/d/", tt.format, strings.NewReader(tt.data))
			require.NoError(t, err)
			require.Equal(t, "datasets/o/d/source.csv", res.Key)
			require.Equal(t, tt.format, res.Format)
			require.Equal(t, tt.delimiter, res.Delimiter)
			require.Equal(t, tt.columns, res.Layout.Columns)
			require.Equal(t, tt.rows, res.Layout.Rows)
			require.EqualValues(t, len(tt.data), res.SourceBytes)
			want := tt.stored
			if want == "" {
				want = tt.data
			}
			require.Equal(t, want, readBlob(t, s, res.Key))
			require.EqualValues(t, len(want), res.Layout.Size)
			files, err := filepath.Glob(filepath.Join(dir, "datasets/o/d/*"))
			require.NoError(t, err)
			require.Equal(t, []string{filepath.Join(dir, "datasets/o/d/source.csv")}, files, "only the CSV form stays")
		})
	}
}

func TestIngestFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		data   io.Reader
		want   string
	}{
		{"ragged csv", CSV, strings.NewReader("a,b\n1,2\n3\n"), "row 2 has 1 field, the header has 2 (line 3)"},
		{"unbalanced quote", CSV, strings.NewReader("a,b\n1,\"2\n3,4\n"), "a quoted field is not closed properly"},
		{"bad ndjson line", NDJSON, strings.NewReader(`{"a":1}` + "\n[2]\n"), "line 2 is not a JSON object"},
		{"ndjson rows too wide for a CSV field", NDJSON, strings.NewReader(`{"a":"` + strings.Repeat("x", 2<<20) + `"}`), `line 1: the value of "a" is larger than 1 MiB`},
		{"huge csv line", CSV, io.LimitReader(endless('x'), 2<<30), "header: a record is longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := newStore(t)
			_, err := s.Ingest(context.Background(), "datasets/o/d/", tt.format, tt.data)
			requireInputError(t, err, tt.want)
			_, err = os.Stat(filepath.Join(dir, "datasets/o/d"))
			require.True(t, os.IsNotExist(err), "the dataset's prefix must be gone: %v", err)
		})
	}
}
