package report

import "fmt"

// Defaults for ScanOptions.
const (
	DefaultChunkRows     = 50_000
	DefaultMaxFieldBytes = 1 << 20
	// DefaultMaxRecordBytes bounds one raw record (a line, or several when quoted
	// fields hold line breaks): a file that is one enormous line is refused after
	// this many bytes instead of being buffered.
	DefaultMaxRecordBytes = 8 << 20
)

// ScanOptions tunes Scan. The zero value selects the defaults.
type ScanOptions struct {
	// ChunkRows is the number of data rows per chunk (default 50,000).
	ChunkRows int
	// MaxFieldBytes is the largest accepted field, in bytes (default 1 MiB).
	MaxFieldBytes int
	// MaxRecordBytes is the largest accepted raw record, in bytes (default 8 MiB).
	MaxRecordBytes int
	// Delimiter, when set (",", ";", "\t" or "|"), is used instead of sniffing one.
	Delimiter string
	// Generated marks CSV this program wrote from input it had already checked (the CSV
	// form of an NDJSON file): the control-character heuristic that recognises binary
	// files is skipped, so text values holding such characters survive. NUL bytes are
	// still refused.
	Generated bool
}

func (o ScanOptions) withDefaults() ScanOptions {
	if o.ChunkRows <= 0 {
		o.ChunkRows = DefaultChunkRows
	}
	if o.MaxFieldBytes <= 0 {
		o.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return o
}

// Layout describes a validated CSV file: its dialect, header and the byte
// ranges of its chunks. It is stored as JSON.
type Layout struct {
	// Delimiter is the field separator: ",", ";", "\t" or "|".
	Delimiter string `json:"delimiter"`
	// Columns are the header names, trimmed of surrounding white space.
	Columns []string `json:"columns"`
	// Rows is the number of data rows (the header is not counted).
	Rows int64 `json:"rows"`
	// Size is the file size in bytes.
	Size int64 `json:"size"`
	// HeaderBytes is the offset of the first byte after the header record
	// (including any byte order mark).
	HeaderBytes int64 `json:"header_bytes"`
	// Chunks partition the data rows in file order.
	Chunks []Chunk `json:"chunks"`
}

// Chunk is a byte range of the file that starts and ends on record
// boundaries, so it can be parsed on its own.
type Chunk struct {
	// Index is the position of the chunk in Layout.Chunks.
	Index int `json:"index"`
	// Offset is the absolute file offset of the chunk's first byte.
	Offset int64 `json:"offset"`
	// Length is the number of bytes in the chunk.
	Length int64 `json:"length"`
	// FirstRow is the 1-based data row number (header not counted) of the
	// chunk's first row.
	FirstRow int64 `json:"first_row"`
	// Rows is the number of data rows in the chunk.
	Rows int64 `json:"rows"`
}

// comma returns the layout's delimiter, always a single byte.
func (l *Layout) comma() (byte, error) {
	switch l.Delimiter {
	case ",", ";", "\t", "|":
		return l.Delimiter[0], nil
	}
	return 0, fmt.Errorf("layout: unsupported delimiter %q", l.Delimiter)
}
