package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// recordReader reads CSV records as encoding/csv does (FieldsPerRecord -1,
// ReuseRecord, no LazyQuotes, no comments), but splits a line that holds no
// quote itself: such a line is one record, its fields cut at every comma,
// and cutting it directly costs a fraction of what the general parser does.
// A line with a quote, or longer than the buffer, goes to encoding/csv with
// whatever lines its record spans. It counts bytes and lines as csv.Reader
// does, and its parse errors give lines of the whole input. FuzzRecordReader
// checks the two agree on any input.
type recordReader struct {
	br    *bufio.Reader
	comma byte
	rec   []string
	feed  lineFeed
	// csv parses the records the fast path does not take; it reads them
	// through feed.
	csv *csv.Reader
	// offset is the input read so far, in bytes; lines counts its lines, and
	// line is the one the last record starts on.
	offset      int64
	lines, line int
}

// newRecordReader reads from br with a single-byte delimiter (Layout.comma
// gives only those).
func newRecordReader(br *bufio.Reader, comma byte) *recordReader {
	return &recordReader{br: br, comma: comma, feed: lineFeed{br: br}}
}

// Read returns the next record, valid until the following call, or io.EOF.
func (r *recordReader) Read() ([]string, error) {
	for {
		line, err := r.br.ReadSlice('\n')
		ok := err == nil || err == io.EOF
		switch {
		case err == bufio.ErrBufferFull || ok && bytes.IndexByte(line, '"') >= 0:
			return r.parse(line, err)
		case !ok:
			return nil, err
		case len(line) == 0:
			return nil, io.EOF
		}
		r.offset += int64(len(line))
		r.lines++
		if n := contentLen(line, err == io.EOF); n > 0 {
			r.line = r.lines
			return r.split(line[:n]), nil
		}
		// A blank line is skipped, as encoding/csv does.
	}
}

// InputOffset is the input read so far, in bytes, as csv.Reader.InputOffset.
func (r *recordReader) InputOffset() int64 { return r.offset }

// Line is the line the last record read starts on.
func (r *recordReader) Line() int { return r.line }

// contentLen is the length of line without its "\n" or "\r\n"; the last
// line of the input, which has no "\n", loses a trailing "\r" instead.
func contentLen(line []byte, last bool) int {
	n := len(line)
	if !last {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return n
}

// split cuts a quote-free line into the record's fields, which share one
// string as encoding/csv's do.
func (r *recordReader) split(line []byte) []string {
	s := string(line)
	rec := r.rec[:0]
	for {
		i := strings.IndexByte(s, r.comma)
		if i < 0 {
			break
		}
		rec = append(rec, s[:i])
		s = s[i+1:]
	}
	r.rec = append(rec, s)
	return r.rec
}

// parse has encoding/csv parse the record that starts with line, which
// ReadSlice returned with err.
func (r *recordReader) parse(line []byte, err error) ([]string, error) {
	if r.csv == nil {
		r.csv = csv.NewReader(&r.feed)
		r.csv.Comma = rune(r.comma)
		r.csv.FieldsPerRecord = -1
		r.csv.ReuseRecord = true
	}
	// csv.Reader has read every line the feed gave it; its lines are
	// numbered from the first of them.
	offset, lines := r.csv.InputOffset(), r.feed.lines
	r.feed.start(line, err)
	rec, err := r.csv.Read()
	r.offset += r.csv.InputOffset() - offset
	r.line = r.lines + 1
	r.lines += r.feed.lines - lines
	if err != nil {
		shiftLines(err, r.line-1-lines)
	}
	return rec, err
}

// shiftLines moves the lines of a csv.ParseError by shift.
func shiftLines(err error, shift int) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		pe.StartLine += shift
		pe.Line += shift
	}
}

// lineFeed hands encoding/csv its input at most one line per Read, from the
// line the fast path read on: the csv reader's own buffer then never holds
// more than the lines of the record it parses, and is empty after it. lines
// counts the lines it has begun to hand over.
type lineFeed struct {
	br      *bufio.Reader
	pending []byte
	buf     []byte
	err     error
	lines   int
	partial bool
}

// start makes line, which ReadSlice returned with err, the next input.
func (f *lineFeed) start(line []byte, err error) {
	f.buf = append(f.buf[:0], line...)
	f.pending, f.err = f.buf, nil
	if len(line) > 0 && !f.partial {
		f.lines++
	}
	f.partial = err == bufio.ErrBufferFull
	if !f.partial {
		f.err = err
	}
}

func (f *lineFeed) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.br.ReadSlice('\n')
		f.start(line, err)
		if len(line) == 0 {
			return 0, f.err
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}
