package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
)

// Limits of small request parts.
const (
	maxJSONBytes  = 1 << 20
	maxNameBytes  = 200
	defaultLimit  = 20
	maxPageLimit  = 100
	maxCursorSize = 128
)

// page is a parsed ?limit=&cursor= pair; ids are UUIDv7, so "after the cursor" is id < cursor.
type page struct {
	limit  int
	cursor string
}

// list is the envelope of every list response.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func parsePage(c fiber.Ctx) (page, error) {
	p := page{limit: defaultLimit}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPageLimit {
			return p, apperr.Invalid(fmt.Sprintf("limit must be a whole number from 1 to %d", maxPageLimit))
		}
		p.limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		b, err := base64.RawURLEncoding.DecodeString(raw)
		if err != nil || len(b) == 0 || len(b) > maxCursorSize || !utf8.Valid(b) {
			return p, apperr.Invalid("cursor is not valid")
		}
		p.cursor = string(b)
	}
	return p, nil
}

// newList trims a page fetched with limit+1 rows and sets the cursor when more follow.
func newList[E, T any](rows []E, p page, id func(E) string, view func(E) T) list[T] {
	out := list[T]{Data: make([]T, 0, len(rows))}
	if len(rows) > p.limit {
		rows = rows[:p.limit]
		next := base64.RawURLEncoding.EncodeToString([]byte(id(rows[len(rows)-1])))
		out.NextCursor = &next
	}
	for _, r := range rows {
		out.Data = append(out.Data, view(r))
	}
	return out
}

// readJSON decodes a JSON request body strictly: a JSON content type, a bounded size, no
// unknown fields and nothing after the value.
func readJSON(c fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return apperr.Unsupported("the body must be application/json")
	}
	body, err := readBody(c, maxJSONBytes)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Invalid(jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Invalid("the body must hold a single JSON object")
	}
	return nil
}

// jsonProblem phrases a decoding error for the client without internal detail.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return "the body must be a JSON object"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is not valid JSON: it is empty or ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "the body is not valid JSON"
}

func jsonKind(k string) string {
	switch k {
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "float64", "float32", "int", "int64":
		return "number"
	}
	return k
}

// readBody reads a (streamed) request body of at most limit bytes.
func readBody(c fiber.Ctx, limit int64) ([]byte, error) {
	if cl := c.Request().Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return nil, tooLarge(limit)
	}
	b, err := io.ReadAll(&limitedReader{r: bodyReader(c), left: limit})
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return nil, tooLarge(limit)
		}
		return nil, apperr.BadRequest("the request body could not be read").WithErr(err)
	}
	return b, nil
}

// bodyReader returns the streamed request body, noting when it has been read to its end.
func bodyReader(c fiber.Ctx) io.Reader {
	r := c.Request().BodyStream()
	if r == nil {
		return bytes.NewReader(c.Request().Body())
	}
	if b, ok := c.Locals(streamedBodyKey{}).(*streamedBody); ok {
		return b
	}
	b := &streamedBody{r: r}
	c.Locals(streamedBodyKey{}, b)
	return b
}

type streamedBodyKey struct{}

// streamedBody is a request body stream that remembers reaching its end.
type streamedBody struct {
	r   io.Reader
	eof bool
}

func (b *streamedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if errors.Is(err, io.EOF) {
		b.eof = true
	}
	return n, err
}

// closeUnreadBody closes the connection after any response to a request whose streamed
// body was not read to its end: fasthttp leaves the rest on the wire, and a kept-alive
// connection would parse it as the next request (request smuggling).
func closeUnreadBody(c fiber.Ctx) error {
	err := c.Next()
	if bodyMayBeUnread(c) {
		c.RequestCtx().SetConnectionClose()
	}
	return err
}

// bodyMayBeUnread reports whether the request still has a streamed body that was not
// read to its end.
func bodyMayBeUnread(c fiber.Ctx) bool {
	req := c.Request()
	if req.BodyStream() == nil || req.Header.ContentLength() == 0 {
		return false
	}
	b, ok := c.Locals(streamedBodyKey{}).(*streamedBody)
	return !ok || !b.eof
}

var errBodyTooLarge = errors.New("request body too large")

// limitedReader fails with errBodyTooLarge once more than left bytes were read. Its errors
// are sticky: fasthttp's chunked body stream blocks when read again after its end.
type limitedReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		n, err = 0, errBodyTooLarge
	}
	l.err = err
	return n, err
}

func tooLarge(limit int64) *apperr.Error {
	return apperr.TooLarge(fmt.Sprintf("the request body is larger than the limit of %s", byteCount(limit)))
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cleanName validates a user-given dataset name.
func cleanName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", apperr.Invalid("a name is required")
	case len(name) > maxNameBytes:
		return "", apperr.Invalid(fmt.Sprintf("the name is longer than %d bytes", maxNameBytes))
	case !utf8.ValidString(name):
		return "", apperr.Invalid("the name is not valid UTF-8")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", apperr.Invalid("the name contains control characters")
	}
	return name, nil
}
