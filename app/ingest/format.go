package ingest

import (
	"bufio"
	"bytes"
	"mime"
	"path"
	"strings"
)

// Format is the format of a dataset's source.
type Format string

// Formats a dataset may come in.
const (
	CSV    Format = "csv"
	NDJSON Format = "ndjson"
)

// ndjsonTypes are the media types taken for NDJSON.
var ndjsonTypes = []string{"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines"}

// FormatOfType returns the format a media type names, and false for types that name
// neither format (text/plain, application/octet-stream, …).
func FormatOfType(contentType string) (Format, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	for _, t := range ndjsonTypes {
		if mt == t {
			return NDJSON, true
		}
	}
	switch mt {
	case "text/csv", "application/csv", "text/tab-separated-values":
		return CSV, true
	}
	return "", false
}

// FormatOfName returns the format a file name's extension names, if any.
func FormatOfName(name string) (Format, bool) {
	switch strings.ToLower(path.Ext(name)) {
	case ".ndjson", ".jsonl":
		return NDJSON, true
	case ".csv", ".tsv":
		return CSV, true
	}
	return "", false
}

// DetectFormat decides the format of a download: by its Content-Type, else by the
// extension of the name in its URL, else by its first bytes (a line starting with "{"
// is NDJSON). br is only peeked at.
func DetectFormat(contentType, name string, br *bufio.Reader) Format {
	if f, ok := FormatOfType(contentType); ok {
		return f
	}
	if f, ok := FormatOfName(name); ok {
		return f
	}
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte(bom))
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return NDJSON
	}
	return CSV
}

// bom is the UTF-8 byte order mark.
const bom = "\xef\xbb\xbf"
