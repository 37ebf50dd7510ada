package report

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMergerFromStoredPartials feeds a Merger the way the pipeline does:
// each chunk's partials decoded from their encoding, and the hash runs
// streamed from the same bytes. The report equals Aggregate's.
func TestMergerFromStoredPartials(t *testing.T) {
	data := genCSV(30_000)
	l, err := Scan(bytes.NewReader(data), ScanOptions{ChunkRows: 7_000})
	require.NoError(t, err)
	rules := append(benchRules(), Rule{Column: "name", Check: CheckUnique}, Rule{Column: "id", Check: CheckUnique})

	var norm []*NormalizePartial
	var enr []*EnrichPartial
	var val []*ValidatePartial
	m := NewMerger(l, rules)
	var normBlobs, valBlobs [][]byte
	for _, c := range l.Chunks {
		np, err := normalizeChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		ep, err := enrichChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		vp, err := validateChunk(chunkBytes(data, c), l, c, rules)
		require.NoError(t, err)
		norm, enr, val = append(norm, np), append(enr, ep), append(val, vp)

		nb, err := np.MarshalBinary()
		require.NoError(t, err)
		eb, err := ep.MarshalBinary()
		require.NoError(t, err)
		vb, err := vp.MarshalBinary()
		require.NoError(t, err)
		normBlobs, valBlobs = append(normBlobs, nb), append(valBlobs, vb)
		np2, err := UnmarshalNormalize(nb)
		require.NoError(t, err)
		ep2, err := UnmarshalEnrich(eb)
		require.NoError(t, err)
		vp2, err := UnmarshalValidate(vb)
		require.NoError(t, err)
		require.NoError(t, m.Add(np2, ep2, vp2))
	}
	want, err := Aggregate(l, rules, norm, enr, val)
	require.NoError(t, err)

	rowRuns := make([]*HashRun, len(l.Chunks))
	for i, c := range l.Chunks {
		rowRuns[i], err = NewRowHashRun(bytes.NewReader(normBlobs[i]), c)
		require.NoError(t, err)
	}
	var uniqueRuns [][]*HashRun
	for j, r := range rules {
		if r.Check != CheckUnique {
			continue
		}
		runs := make([]*HashRun, len(l.Chunks))
		for i, c := range l.Chunks {
			runs[i], err = NewUniqueHashRun(bytes.NewReader(valBlobs[i]), c, j)
			require.NoError(t, err)
		}
		uniqueRuns = append(uniqueRuns, runs)
	}
	got, err := m.Finish(rowRuns, uniqueRuns)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Positive(t, got.DuplicateRows)
	// Every row of name but the first of each value fails; id is unique
	// except for the repeated rows.
	name := got.Rules[len(rules)-2]
	require.EqualValues(t, l.Rows-column(t, got, "name").Distinct, name.FailedRows)
	require.Len(t, name.Examples, maxExamples)
	require.EqualValues(t, got.DuplicateRows, got.Rules[len(rules)-1].FailedRows)

	// A run read with the wrong chunk, or cut short, is refused.
	_, err = NewRowHashRun(bytes.NewReader(normBlobs[0]), l.Chunks[1])
	require.ErrorContains(t, err, "does not match the layout")
	_, err = NewUniqueHashRun(bytes.NewReader(valBlobs[0]), l.Chunks[0], 1)
	require.ErrorContains(t, err, "does not match the layout and rules")
	short, err := NewRowHashRun(bytes.NewReader(normBlobs[0][:len(normBlobs[0])-5]), l.Chunks[0])
	require.NoError(t, err)
	require.Error(t, mergeRuns([]*HashRun{short}, func(hashRecord, bool) {}))
	// So is one whose last two records are swapped.
	swapped := bytes.Clone(normBlobs[0])
	last := swapped[len(swapped)-2*hashRecordBytes:]
	a, b := bytes.Clone(last[:hashRecordBytes]), bytes.Clone(last[hashRecordBytes:])
	copy(last, b)
	copy(last[hashRecordBytes:], a)
	bad, err := NewRowHashRun(bytes.NewReader(swapped), l.Chunks[0])
	require.NoError(t, err)
	require.ErrorContains(t, mergeRuns([]*HashRun{bad}, func(hashRecord, bool) {}), "out of order")
}
