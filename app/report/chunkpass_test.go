package report

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestComputeChunkMatchesEachStage: one pass gives, byte for byte, the partials the
// three stages give alone, for every subset of parts asked for.
func TestComputeChunkMatchesEachStage(t *testing.T) {
	data := genCSV(2_500)
	l, err := Scan(bytes.NewReader(data), ScanOptions{ChunkRows: 1_000})
	require.NoError(t, err)
	require.Len(t, l.Chunks, 3)
	rules := append(benchRules(), Rule{Column: "email", Check: CheckUnique}, Rule{Column: "age", Check: CheckNotNull})
	for _, c := range l.Chunks {
		norm, err := normalizeChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		enr, err := enrichChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		val, err := validateChunk(chunkBytes(data, c), l, c, rules)
		require.NoError(t, err)
		want := [3][]byte{encode(t, norm), encode(t, enr), encode(t, val)}
		for _, parts := range []Parts{AllParts, {Normalize: true, Validate: true}, {Enrich: true}, {Enrich: true, Validate: true}} {
			got, err := ComputeChunk(chunkBytes(data, c), l, c, rules, parts)
			require.NoError(t, err)
			require.Equal(t, parts.Normalize, got.Normalize != nil)
			require.Equal(t, parts.Enrich, got.Enrich != nil)
			require.Equal(t, parts.Validate, got.Validate != nil)
			if got.Normalize != nil {
				require.Equal(t, want[0], encode(t, got.Normalize), "normalize, chunk %d, %+v", c.Index, parts)
			}
			if got.Enrich != nil {
				require.Equal(t, want[1], encode(t, got.Enrich), "enrich, chunk %d, %+v", c.Index, parts)
			}
			if got.Validate != nil {
				require.Equal(t, want[2], encode(t, got.Validate), "validate, chunk %d, %+v", c.Index, parts)
			}
		}
	}
}

// TestComputeChunkErrors: bad rules fail before reading; a parse error names the one
// stage asked for, or "chunk" for several.
func TestComputeChunkErrors(t *testing.T) {
	data := []byte("a,b\n1,2\n3\n")
	l := &Layout{Delimiter: ",", Columns: []string{"a", "b"}}
	c := Chunk{Index: 0, Offset: 4, Length: int64(len(data) - 4), FirstRow: 1, Rows: 2}
	_, err := ComputeChunk(chunkBytes(data, c), l, c, []Rule{{Column: "missing", Check: CheckNotNull}}, AllParts)
	require.ErrorContains(t, err, "missing")
	for _, tc := range []struct {
		parts Parts
		want  string
	}{
		{Parts{Enrich: true}, "enrich: "},
		{AllParts, "chunk: "},
	} {
		_, err := ComputeChunk(chunkBytes(data, c), l, c, nil, tc.parts)
		require.Error(t, err)
		require.Contains(t, err.Error(), tc.want)
	}
}

func encode(t *testing.T, p interface{ MarshalBinary() ([]byte, error) }) []byte {
	t.Helper()
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	return b
}
