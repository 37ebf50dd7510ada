package report

import (
	"bytes"
	"io"
	"testing"
)

func benchRules() []Rule {
	lo, hi := 18.0, 90.0
	return []Rule{
		{Column: "id", Check: CheckUnique},
		{Column: "email", Check: CheckNotNull},
		{Column: "age", Check: CheckRange, Min: &lo, Max: &hi},
		{Column: "country", Check: CheckIn, Values: []string{"DE", "FR", "US", "GB", "ES", "IT", "NL", "PL", "SE"}},
		{Column: "name", Check: CheckLength, Min: &[]float64{1}[0], Max: &[]float64{40}[0]},
		{Column: "joined", Check: CheckType, Type: TypeDate},
	}
}

// BenchmarkRun measures the whole pipeline (Scan, one pass per chunk with
// the partials' round trips, Aggregate) on 1M rows × 10 columns.
func BenchmarkRun(b *testing.B) {
	const rows = 1_000_000
	benchRun(b, rows)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchRun runs Run on a rows-row file b.N times.
func benchRun(b *testing.B, rows int64) {
	data := genCSV(int(rows))
	rules := benchRules()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := Run(bytes.NewReader(data), int64(len(data)), rules, ScanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Rows != rows {
			b.Fatalf("rows = %d", rep.Rows)
		}
	}
}

// BenchmarkStages measures each step alone on one 100k-row chunk, and the
// one pass (chunk) that computes normalize, enrich and validate together.
func BenchmarkStages(b *testing.B) {
	const rows = 100_000
	data := genCSV(rows)
	l, err := Scan(bytes.NewReader(data), ScanOptions{ChunkRows: rows})
	if err != nil {
		b.Fatal(err)
	}
	c := l.Chunks[0]
	chunk := func() io.Reader { return bytes.NewReader(data[c.Offset : c.Offset+c.Length]) }
	rules := benchRules()
	steps := []struct {
		name string
		fn   func() error
	}{
		{"scan", func() error { _, err := Scan(bytes.NewReader(data), ScanOptions{}); return err }},
		{"normalize", func() error { _, err := normalizeChunk(chunk(), l, c); return err }},
		{"enrich", func() error { _, err := enrichChunk(chunk(), l, c); return err }},
		{"validate", func() error { _, err := validateChunk(chunk(), l, c, rules); return err }},
		{"chunk", func() error { _, err := ComputeChunk(chunk(), l, c, rules, AllParts); return err }},
	}
	for _, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkRunSmall is BenchmarkRun on a 1k-row file: one chunk, where fixed
// costs per chunk (sketch setup, encoding, the first merge) dominate.
func BenchmarkRunSmall(b *testing.B) {
	benchRun(b, 1_000)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
