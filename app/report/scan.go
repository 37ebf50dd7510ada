package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

const (
	scanBufSize = 64 << 10
	// headerFieldFactor bounds the raw header size in units of MaxFieldBytes;
	// the column count is unknown until the header has been parsed.
	headerFieldFactor = 16
)

var (
	errBinary   = errors.New("binary data")
	errTooLarge = errors.New("record too large")
	errUTF16    = errors.New("UTF-16 byte order mark")
)

// Scan validates a CSV file and computes its Layout while streaming it: memory
// use is bounded by the record size, not the file size.
//
// Scan strips a UTF-8 byte order mark, sniffs the delimiter from the first
// lines (see sniffDelimiter) unless opts.Delimiter sets it,
// trims the header names and splits the data rows into chunks of
// opts.ChunkRows rows whose byte ranges start and end on record boundaries.
// Blank lines are skipped, as encoding/csv does.
//
// Problems with the file are reported as *InputError. Row numbers in messages
// are 1-based data row numbers: the header is not counted, so "row 1" is the
// first record after the header.
func Scan(r io.Reader, opts ScanOptions) (*Layout, error) {
	return scan(r, opts, nil)
}

// scan implements Scan. When onChunk is set it is called with each chunk as
// soon as the chunk is complete, together with the layout built so far
// (its Delimiter and Columns are final); an error from it stops the scan.
func scan(r io.Reader, opts ScanOptions, onChunk func(*Layout, Chunk) error) (*Layout, error) {
	opts = opts.withDefaults()
	g := &guardReader{r: r}
	br := bufio.NewReaderSize(g, scanBufSize)

	var bom int64
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		bom = 3
		_, _ = br.Discard(3)
	}
	head, err := br.Peek(scanBufSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, scanError(err, 0, 0)
	}
	if len(head) > 0 && !opts.Generated && looksBinary(head) {
		return nil, scanError(errBinary, 0, 0)
	}
	delim := sniffDelimiter(head, err == io.EOF)
	if opts.Delimiter != "" {
		if delim, err = (&Layout{Delimiter: opts.Delimiter}).comma(); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}

	cr := newRecordReader(br, delim)

	g.boundary = bom
	g.setLimit(min(headerFieldFactor*opts.MaxFieldBytes, opts.MaxRecordBytes))
	header, err := cr.Read()
	if err == io.EOF {
		return nil, NewInputError("the file is empty")
	}
	if err != nil {
		return nil, scanError(err, 0, g.record)
	}
	columns, err := checkHeader(header, opts)
	if err != nil {
		return nil, err
	}

	l := &Layout{Delimiter: string(delim), Columns: columns, HeaderBytes: bom + cr.InputOffset()}
	g.setLimit(min(2*len(columns)*opts.MaxFieldBytes, opts.MaxRecordBytes))
	cur := Chunk{Offset: l.HeaderBytes, FirstRow: 1}
	emit := func(c Chunk) error {
		l.Chunks = append(l.Chunks, c)
		if onChunk != nil {
			return onChunk(l, c)
		}
		return nil
	}
	for {
		start := bom + cr.InputOffset()
		g.boundary = start
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, scanError(err, l.Rows+1, g.record)
		}
		// A full chunk is closed only once another record follows, so that
		// trailing blank lines belong to the last chunk and chunks tile
		// the file.
		if cur.Rows == int64(opts.ChunkRows) {
			cur.Length = start - cur.Offset
			if err := emit(cur); err != nil {
				return nil, err
			}
			cur = Chunk{Index: len(l.Chunks), Offset: start, FirstRow: l.Rows + 1}
		}
		l.Rows++
		if err := checkRecord(rec, len(columns), l.Rows, cr.Line(), opts); err != nil {
			return nil, err
		}
		cur.Rows++
	}
	if l.Rows == 0 {
		return nil, NewInputError("the file has a header but no data rows")
	}
	l.Size = bom + cr.InputOffset()
	if cur.Rows > 0 {
		cur.Length = l.Size - cur.Offset
		if err := emit(cur); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// checkHeader trims the header names and rejects empty or repeated ones.
func checkHeader(header []string, opts ScanOptions) ([]string, error) {
	columns := make([]string, len(header))
	seen := make(map[string]int, len(header))
	for i, h := range header {
		if len(h) > opts.MaxFieldBytes {
			return nil, NewInputError("header: a column name is larger than %s", byteSize(opts.MaxFieldBytes))
		}
		if !utf8.ValidString(h) {
			return nil, NewInputError("invalid UTF-8 in the header")
		}
		name := strings.Clone(strings.TrimSpace(h))
		if name == "" {
			return nil, NewInputError("header: column %d has an empty name", i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, NewInputError("header: the column name %q is used twice (columns %d and %d)", name, j+1, i+1)
		}
		seen[name] = i
		columns[i] = name
	}
	return columns, nil
}

// checkRecord validates one data record; row is its 1-based data row number, and
// line the line of the file it starts on.
func checkRecord(rec []string, ncols int, row int64, line int, opts ScanOptions) error {
	if len(rec) != ncols {
		return NewInputError("row %d has %s, the header has %d (line %d)", row, plural(len(rec), "field"), ncols, line)
	}
	for _, f := range rec {
		if len(f) > opts.MaxFieldBytes {
			return NewInputError("row %d: a field is larger than %s", row, byteSize(opts.MaxFieldBytes))
		}
		if !utf8.ValidString(f) {
			return NewInputError("invalid UTF-8 at row %d", row)
		}
	}
	return nil
}

// scanError turns a read or parse failure of the record at data row `row`
// (0 for the header) into a user-facing error where the input is at fault;
// maxRecord is the record size limit that was in force.
func scanError(err error, row int64, maxRecord int) error {
	where := "header"
	if row > 0 {
		where = fmt.Sprintf("row %d", row)
	}
	if errors.Is(err, errUTF16) {
		return NewInputError("the file is UTF-16 text; save it as UTF-8 CSV")
	}
	if errors.Is(err, errBinary) {
		return NewInputError("the file is not CSV text (binary data found)")
	}
	if errors.Is(err, errTooLarge) {
		return NewInputError("%s: a record is longer than %s without ending; check for a quote that is never closed", where, byteSize(maxRecord))
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return NewInputError("%s: a quote character appears inside a field that is not quoted (line %d, column %d); quote the whole field and double the quotes inside it", where, pe.Line, pe.Column)
		case errors.Is(pe.Err, csv.ErrQuote):
			return NewInputError("%s: a quoted field is not closed properly (line %d, column %d); a closing quote must be followed by a delimiter or the end of the line", where, pe.Line, pe.Column)
		}
		return NewInputError("%s: %v", where, pe.Err)
	}
	return fmt.Errorf("scan: read file: %w", err)
}

// looksBinary reports whether the start of the file is evidently not text:
// it holds a NUL byte, or more than 1 in 32 bytes are control characters
// other than white space.
func looksBinary(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	ctrl := 0
	for _, b := range head {
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != '\v') || b == 0x7f {
			ctrl++
		}
	}
	return ctrl*32 > len(head)
}

// guardReader fails on NUL bytes and on records whose raw size exceeds
// limit, so that a hostile file cannot make the CSV parser buffer without
// bound. boundary is the file offset where the current record starts.
// Its errors are sticky because bufio.Reader reports an error only once.
type guardReader struct {
	r        io.Reader
	n        int64
	boundary int64
	limit    int64
	record   int // the record limit limit is derived from, for messages
	err      error
}

// setLimit bounds the current record to record bytes; the slack covers what
// the buffered reader reads ahead.
func (g *guardReader) setLimit(record int) {
	g.record = record
	g.limit = int64(record) + 2*scanBufSize
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	// UTF-16 text is full of NUL bytes; name the real problem instead.
	if g.n == 0 && n >= 2 && (p[0] == 0xff && p[1] == 0xfe || p[0] == 0xfe && p[1] == 0xff) {
		g.err = errUTF16
		return 0, g.err
	}
	if bytes.IndexByte(p[:n], 0) >= 0 {
		g.err = errBinary
		return 0, g.err
	}
	g.n += int64(n)
	if g.limit > 0 && g.n-g.boundary > g.limit {
		g.err = errTooLarge
		return 0, g.err
	}
	return n, err
}
