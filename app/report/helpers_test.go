package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCSV runs the whole pipeline on an in-memory CSV.
func runCSV(t testing.TB, data string, rules []Rule, opts ScanOptions) *Report {
	t.Helper()
	rep, err := Run(strings.NewReader(data), int64(len(data)), rules, opts)
	require.NoError(t, err)
	return rep
}

// requireInputError asserts err is an *InputError containing want.
func requireInputError(t testing.TB, err error, want string) {
	t.Helper()
	require.Error(t, err)
	var ie *InputError
	require.True(t, errors.As(err, &ie), "want *InputError, got %T: %v", err, err)
	require.Contains(t, ie.Msg, want)
}

// column finds a column report by name.
func column(t testing.TB, rep *Report, name string) ColumnReport {
	t.Helper()
	for _, c := range rep.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %q", name)
	return ColumnReport{}
}

// chunkBytes returns the bytes of chunk c.
func chunkBytes(data []byte, c Chunk) *bytes.Reader {
	return bytes.NewReader(data[c.Offset : c.Offset+c.Length])
}

func f64(x float64) *float64 { return &x }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// normalizeChunk, enrichChunk and validateChunk compute one part of a chunk, in a pass
// that asks for it alone.
func normalizeChunk(r io.Reader, l *Layout, c Chunk) (*NormalizePartial, error) {
	p, err := ComputeChunk(r, l, c, nil, Parts{Normalize: true})
	if err != nil {
		return nil, err
	}
	return p.Normalize, nil
}

func enrichChunk(r io.Reader, l *Layout, c Chunk) (*EnrichPartial, error) {
	p, err := ComputeChunk(r, l, c, nil, Parts{Enrich: true})
	if err != nil {
		return nil, err
	}
	return p.Enrich, nil
}

func validateChunk(r io.Reader, l *Layout, c Chunk, rules []Rule) (*ValidatePartial, error) {
	p, err := ComputeChunk(r, l, c, rules, Parts{Validate: true})
	if err != nil {
		return nil, err
	}
	return p.Validate, nil
}
