package report

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPartialRoundTrip(t *testing.T) {
	data := genCSV(25_000)
	l, err := Scan(bytes.NewReader(data), ScanOptions{ChunkRows: 12_000})
	require.NoError(t, err)
	require.Len(t, l.Chunks, 3)
	rules := benchRules()

	var norm, norm2 []*NormalizePartial
	var enr, enr2 []*EnrichPartial
	var val, val2 []*ValidatePartial
	for _, c := range l.Chunks {
		np, err := normalizeChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		b, err := np.MarshalBinary()
		require.NoError(t, err)
		np2, err := UnmarshalNormalize(b)
		require.NoError(t, err)
		require.Equal(t, np, np2)
		norm, norm2 = append(norm, np), append(norm2, np2)

		ep, err := enrichChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		b, err = ep.MarshalBinary()
		require.NoError(t, err)
		ep2, err := UnmarshalEnrich(b)
		require.NoError(t, err)
		require.Equal(t, exportedEnrich(ep), exportedEnrich(ep2))
		for i, col := range ep.Columns {
			col2 := ep2.Columns[i]
			require.Equal(t, col.hll == nil, col2.hll == nil)
			if col.hll != nil {
				require.Equal(t, col.hll.Estimate(), col2.hll.Estimate())
			}
			require.Equal(t, col.quantiles.GetCount(), col2.quantiles.GetCount())
		}
		enr, enr2 = append(enr, ep), append(enr2, ep2)

		vp, err := validateChunk(chunkBytes(data, c), l, c, rules)
		require.NoError(t, err)
		b, err = vp.MarshalBinary()
		require.NoError(t, err)
		vp2, err := UnmarshalValidate(b)
		require.NoError(t, err)
		require.Len(t, vp2.Rules, len(rules))
		for i := range vp.Rules {
			require.Equal(t, vp.Rules[i].FailedRows(), vp2.Rules[i].FailedRows())
			require.Equal(t, vp.Rules[i].Failed(), vp2.Rules[i].Failed())
			require.Equal(t, vp.Rules[i].ValueHashes, vp2.Rules[i].ValueHashes)
		}
		val, val2 = append(val, vp), append(val2, vp2)
	}
	// The uid column has more than 10,000 distinct values per chunk, so
	// its sketch went through the codec too.
	require.NotNil(t, enr2[0].Columns[9].hll)

	rep, err := Aggregate(l, rules, norm, enr, val)
	require.NoError(t, err)
	rep2, err := Aggregate(l, rules, norm2, enr2, val2)
	require.NoError(t, err)
	require.Equal(t, rep, rep2)
	require.Greater(t, rep.DuplicateRows, int64(0))
	require.True(t, column(t, rep, "uid").DistinctApprox)
}

// exportedEnrich drops the sketches, which are compared by behaviour.
func exportedEnrich(p *EnrichPartial) EnrichPartial {
	out := *p
	out.Columns = make([]*ColumnProfile, len(p.Columns))
	for i, c := range p.Columns {
		cc := *c
		cc.hll, cc.quantiles = nil, nil
		out.Columns[i] = &cc
	}
	return out
}

func TestUnmarshalRejectsBadInput(t *testing.T) {
	_, err := UnmarshalNormalize([]byte("junk"))
	require.ErrorContains(t, err, "decode normalize partial")
	_, err = UnmarshalEnrich(nil)
	require.ErrorContains(t, err, "decode enrich partial")
	_, err = UnmarshalValidate([]byte{1, 2, 3})
	require.ErrorContains(t, err, "decode validate partial")

	b, err := encodeGob(normalizeWire{Version: 99})
	require.NoError(t, err)
	_, err = UnmarshalNormalize(b)
	require.ErrorContains(t, err, "unsupported partial version 99")

	b, err = encodeGob(normalizeWire{Version: codecVersion, Rows: 2, RowHashes: make([]byte, 8)})
	require.NoError(t, err)
	_, err = UnmarshalNormalize(b)
	require.ErrorContains(t, err, "row hashes do not match")

	b, err = encodeGob(validateWire{Version: codecVersion, FirstRow: 1, Rows: 2, Rules: []ruleWire{{Failed: 1, FailedRows: []byte{5}}}})
	require.NoError(t, err)
	_, err = UnmarshalValidate(b)
	require.ErrorContains(t, err, "out of the chunk's range")
}

// TestUnmarshalEnrichVersion2 decodes an enrich partial the way version 2
// stored it (distinct hashes and top values inside the gob header), as a
// worker of the previous release leaves them during an upgrade.
func TestUnmarshalEnrichVersion2(t *testing.T) {
	ep, b, w, _ := encodedEnrich(t, 500)
	cur, err := UnmarshalEnrich(b)
	require.NoError(t, err)

	w.Version = 2
	for i, col := range ep.Columns {
		w.Columns[i].DistinctHashes, w.Columns[i].Distinct = packUint64s(col.DistinctHashes), 0
		w.Columns[i].Top, w.Columns[i].TopBytes = col.Top, 0
	}
	v2, err := encodeGob(w)
	require.NoError(t, err)
	old, err := UnmarshalEnrich(v2)
	require.NoError(t, err)
	require.Equal(t, exportedEnrich(cur), exportedEnrich(old))
	require.NotEmpty(t, old.Columns[0].Top)
}

// encodedEnrich is the enrich partial of a rows-row file of one chunk, its encoding, the
// encoding's header and the header's size.
func encodedEnrich(t *testing.T, rows int) (*EnrichPartial, []byte, enrichWire, int) {
	data := genCSV(rows)
	l, err := Scan(bytes.NewReader(data), ScanOptions{})
	require.NoError(t, err)
	c := l.Chunks[0]
	ep, err := enrichChunk(chunkBytes(data, c), l, c)
	require.NoError(t, err)
	b, err := ep.MarshalBinary()
	require.NoError(t, err)
	var w enrichWire
	rd := bytes.NewReader(b)
	require.NoError(t, decodeGobFrom(rd, &w))
	return ep, b, w, len(b) - rd.Len()
}

func TestUnmarshalEnrichRejectsBadSections(t *testing.T) {
	ep, b, _, header := encodedEnrich(t, 200)

	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated", b[:len(b)-3], "truncated"},
		{"trailing bytes", append(bytes.Clone(b), 0), "trailing bytes"},
		{"no sections", b[:header], "truncated"},
		{"zero count", bytes.Replace(bytes.Clone(b), packTop(ep.Columns[0].Top[:1]), append(packTop(ep.Columns[0].Top[:1])[:8:8], 0, 1, 'x'), 1), "bad count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := UnmarshalEnrich(tc.b)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestAggregateRejectsMismatchedPartials(t *testing.T) {
	data := []byte("a\n1\n2\n3\n")
	l, err := Scan(bytes.NewReader(data), ScanOptions{ChunkRows: 2})
	require.NoError(t, err)
	var norm []*NormalizePartial
	var enr []*EnrichPartial
	for _, c := range l.Chunks {
		np, err := normalizeChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		ep, err := enrichChunk(chunkBytes(data, c), l, c)
		require.NoError(t, err)
		norm, enr = append(norm, np), append(enr, ep)
	}
	_, err = Aggregate(l, nil, norm, enr, nil)
	require.NoError(t, err)
	_, err = Aggregate(l, nil, norm[:1], enr, nil)
	require.ErrorContains(t, err, "have 1 normalize and 2 enrich partials for 2 chunks")
	_, err = Aggregate(l, nil, []*NormalizePartial{norm[1], norm[0]}, enr, nil)
	require.ErrorContains(t, err, "chunk 0: normalize partial does not match the layout")
	_, err = Aggregate(l, []Rule{{Column: "a", Check: CheckUnique}}, norm, enr, nil)
	require.ErrorContains(t, err, "have 0 validate partials for 2 chunks")
}
