package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
)

// recordReader reads CSV records as encoding/csv does (FieldsPerRecord -1,
// ReuseRecord, no LazyQuotes, no comments), but splits a line that holds no
// quote itself: such a line is one record, its fields cut at every comma,
// and cutting it directly costs a fraction of what the general parser does.
// A line with a quote, or longer than the buffer, goes to encoding/csv with
// whatever lines its record spans. FuzzRecordReader checks the two agree on
// any input.
type recordReader struct {
	br    *bufio.Reader
	comma byte
	rec   []string
	feed  lineFeed
	// csv parses the records the fast path does not take; it reads them
	// through feed.
	csv *csv.Reader
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
		if n := contentLen(line, err == io.EOF); n > 0 {
			return r.split(line[:n]), nil
		}
		// A blank line is skipped, as encoding/csv does.
	}
}

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
	r.feed.start(line, err)
	if r.csv == nil {
		r.csv = csv.NewReader(&r.feed)
		r.csv.Comma = rune(r.comma)
		r.csv.FieldsPerRecord = -1
		r.csv.ReuseRecord = true
	}
	return r.csv.Read()
}

// lineFeed hands encoding/csv its input at most one line per Read, from the
// line the fast path read on: the csv reader's own buffer then never holds
// more than the lines of the record it parses, and is empty after it.
type lineFeed struct {
	br      *bufio.Reader
	pending []byte
	buf     []byte
	err     error
}

// start makes line, which ReadSlice returned with err, the next input.
func (f *lineFeed) start(line []byte, err error) {
	f.buf = append(f.buf[:0], line...)
	f.pending, f.err = f.buf, nil
	if err != bufio.ErrBufferFull {
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
