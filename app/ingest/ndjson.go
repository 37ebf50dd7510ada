package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/assayhq/assay/app/report"
)

// ndjsonLimits bound what one NDJSON file may hold. The zero value selects the defaults.
type ndjsonLimits struct {
	// Line is the longest accepted line in bytes (default report.DefaultMaxRecordBytes).
	Line int
	// Value is the largest cell a value may become (default report.DefaultMaxFieldBytes).
	Value int
	// Columns is the most distinct keys a file may have (default 2,000).
	Columns int
}

// Defaults of ndjsonLimits.
const (
	defaultMaxColumns = 2_000
	maxKeyBytes       = 1 << 10
)

func (l ndjsonLimits) withDefaults() ndjsonLimits {
	if l.Line <= 0 {
		l.Line = report.DefaultMaxRecordBytes
	}
	if l.Value <= 0 {
		l.Value = report.DefaultMaxFieldBytes
	}
	if l.Columns <= 0 {
		l.Columns = defaultMaxColumns
	}
	return l
}

// ndjsonColumns checks every line of an NDJSON file and returns the union of its keys
// in order of first appearance. Blank lines are skipped; every other line must hold one
// JSON object.
func ndjsonColumns(r io.Reader, lim ndjsonLimits) ([]string, error) {
	lim = lim.withDefaults()
	lr := newLineReader(r, lim.Line)
	var cols []string
	seen := map[string]bool{}
	trimmed := map[string]string{}
	rows := 0
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		rows++
		err = eachField(line, lr.line, func(key string, raw []byte) error {
			if _, err := cellText(raw, lr.line, key, lim.Value); err != nil {
				return err
			}
			if seen[key] {
				return nil
			}
			if err := checkKey(key, lr.line, trimmed); err != nil {
				return err
			}
			if len(cols) == lim.Columns {
				return report.NewInputError("line %d: the objects have more than %d distinct keys", lr.line, lim.Columns)
			}
			seen[key] = true
			cols = append(cols, key)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	switch {
	case rows == 0:
		return nil, report.NewInputError("the file is empty")
	case len(cols) == 0:
		return nil, report.NewInputError("the objects have no keys, so there are no columns")
	}
	return cols, nil
}

// checkKey refuses keys that cannot be column names; trimmed maps the trimmed names
// seen so far to their keys.
func checkKey(key string, line int, trimmed map[string]string) error {
	name := strings.TrimSpace(key)
	switch {
	case name == "":
		return report.NewInputError("line %d: an object has an empty key; every key becomes a column name", line)
	case len(key) > maxKeyBytes:
		return report.NewInputError("line %d: a key is longer than 1 KiB", line)
	}
	if other, dup := trimmed[name]; dup {
		return report.NewInputError("line %d: the keys %q and %q name the same column", line, other, key)
	}
	trimmed[name] = key
	return nil
}

// ndjsonToCSV writes the CSV form of an NDJSON file that ndjsonColumns accepted: a
// header of cols, then one record per object, empty where an object lacks a key.
func ndjsonToCSV(w io.Writer, r io.Reader, cols []string) error {
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[c] = i
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return fmt.Errorf("ndjson: write header: %w", err)
	}
	lr := newLineReader(r, report.DefaultMaxRecordBytes)
	rec := make([]string, len(cols))
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		clear(rec)
		err = eachField(line, lr.line, func(key string, raw []byte) error {
			i, ok := index[key]
			if !ok {
				return fmt.Errorf("ndjson: line %d: key %q was not seen before", lr.line, key)
			}
			rec[i], err = cellText(raw, lr.line, key, 0)
			return err
		})
		if err != nil {
			return err
		}
		if err := writeRecord(cw, w, rec); err != nil {
			return fmt.Errorf("ndjson: write: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeRecord writes rec; a record of one empty field is written as "" because
// csv.Writer would write an empty line, which readers skip.
func writeRecord(cw *csv.Writer, w io.Writer, rec []string) error {
	if len(rec) != 1 || rec[0] != "" {
		return cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\"\"\n")
	return err
}

// eachField calls fn with every key and raw value of the object on line, in order.
func eachField(line []byte, n int, fn func(key string, raw []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return report.NewInputError("line %d is not valid JSON", n)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return report.NewInputError("line %d is not a JSON object; each line must hold one object", n)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return report.NewInputError("line %d is not valid JSON", n)
		}
		key, _ := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return report.NewInputError("line %d is not valid JSON", n)
		}
		if err := fn(key, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return report.NewInputError("line %d is not valid JSON", n)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return report.NewInputError("line %d holds more than one JSON value; put each object on a line of its own", n)
	}
	return nil
}

// cellText is the CSV cell of a JSON value: strings as they are, numbers and booleans as
// written, null as an empty cell, objects and arrays as compact JSON. max > 0 bounds
// its size.
func cellText(raw []byte, line int, key string, max int) (string, error) {
	var s string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", report.NewInputError("line %d is not valid JSON", line)
		}
	case 'n':
		return "", nil
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", report.NewInputError("line %d is not valid JSON", line)
		}
		s = buf.String()
	default:
		s = string(raw)
	}
	if max > 0 && len(s) > max {
		return "", report.NewInputError("line %d: the value of %q is larger than %s", line, key, sizeText(max))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", report.NewInputError("line %d: the value of %q holds a NUL character", line, key)
	}
	return s, nil
}

// lineReader yields the non-blank lines of a UTF-8 text without its line breaks,
// refusing lines longer than max without buffering them.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the line last returned, from 1
	buf  []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		_, _ = br.Discard(len(bom))
	}
	return &lineReader{br: br, max: max}
}

// next returns the next non-blank line, valid until the following call, or io.EOF.
func (l *lineReader) next() ([]byte, error) {
	for {
		l.buf = l.buf[:0]
		l.line++
		for {
			chunk, err := l.br.ReadSlice('\n')
			if len(l.buf)+len(chunk) > l.max+2 { // room for "\r\n"
				return nil, report.NewInputError("line %d is longer than %s", l.line, sizeText(l.max))
			}
			l.buf = append(l.buf, chunk...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("ndjson: read: %w", err)
			}
			if err != nil && len(l.buf) == 0 {
				return nil, io.EOF
			}
			break
		}
		line := bytes.TrimSpace(l.buf)
		if len(line) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return nil, report.NewInputError("line %d is not valid UTF-8 text", l.line)
		}
		return line, nil
	}
}

// sizeText renders a byte limit the way users think of it ("8 MiB").
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
