package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/url"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
)

// maxKeyBytes is the longest Idempotency-Key accepted.
const maxKeyBytes = 255

// maxTrailingRead is how much of a body its handler left unread is read after it to
// complete the fingerprint (a multipart epilogue); a longer rest leaves it unknown.
const maxTrailingRead = 64 << 10

// idempotencyKey reads the Idempotency-Key header: absent, or 1 to 255 printable ASCII
// characters. The draft's quoted form ("…", a structured-field string) is accepted too.
func idempotencyKey(c fiber.Ctx) (string, bool, error) {
	vals := c.Request().Header.PeekAll(idempotencyHeader)
	switch len(vals) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, apperr.BadRequest("send one Idempotency-Key header")
	}
	k := string(bytes.TrimSpace(vals[0]))
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" {
		return "", false, apperr.BadRequest("the Idempotency-Key header is empty")
	}
	if len(k) > maxKeyBytes {
		return "", false, apperr.BadRequest(fmt.Sprintf("the Idempotency-Key header is longer than %d characters", maxKeyBytes))
	}
	for i := range len(k) {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", false, apperr.BadRequest("the Idempotency-Key header must be printable ASCII")
		}
	}
	return k, true, nil
}

// fingerprint is the SHA-256 of a request: its method, path, sorted query, Content-Type
// (without a multipart boundary) and body. In a multipart body every "--boundary" is
// masked, so a retry that picks a new boundary for the same parts matches.
type fingerprint struct {
	method, path string
	sum          hash.Hash
	body         *maskWriter // the body's bytes go through here into sum
	n            int64       // body bytes hashed
	stream       *streamedBody
	inMemory     bool
}

func newFingerprint(c fiber.Ctx) *fingerprint {
	fp := &fingerprint{method: c.Method(), path: c.Path(), sum: sha256.New()}
	query := string(c.Request().URI().QueryString())
	if q, err := url.ParseQuery(query); err == nil {
		query = q.Encode()
	}
	ctype := c.Get(fiber.HeaderContentType)
	boundary := ""
	if mt, params, err := mime.ParseMediaType(ctype); err == nil {
		boundary = params["boundary"]
		delete(params, "boundary")
		ctype = mime.FormatMediaType(mt, params)
	}
	fmt.Fprintf(fp.sum, "%s\n%s\n%s\n%s\n\n", fp.method, fp.path, query, ctype)
	fp.body = &maskWriter{w: fp.sum}
	if boundary != "" {
		fp.body.mark = []byte("--" + boundary)
	}
	return fp
}

// Write hashes body bytes.
func (fp *fingerprint) Write(p []byte) (int, error) {
	fp.n += int64(len(p))
	return fp.body.Write(p)
}

// tee makes the request body hash itself as the handler reads it: bodyReader, through
// which every handler reads its body, returns the teed stream.
func (fp *fingerprint) tee(c fiber.Ctx) {
	r := c.Request().BodyStream()
	if r == nil {
		fp.inMemory = true
		return
	}
	fp.stream = &streamedBody{r: io.TeeReader(r, fp)}
	c.Locals(streamedBodyKey{}, fp.stream)
}

// finish completes the hash of a teed body; ok is false when the body was not read to
// its end (or a little past where its handler stopped).
func (fp *fingerprint) finish(c fiber.Ctx) (sum string, n int64, ok bool) {
	if fp.inMemory {
		_, _ = fp.Write(c.Request().Body())
	} else if !fp.stream.eof {
		rest := &limitedReader{r: fp.stream, left: maxTrailingRead}
		if _, err := io.Copy(io.Discard, rest); err != nil {
			return "", 0, false
		}
	}
	return fp.hex(), fp.n, true
}

// readAll hashes the whole body of a request that no handler will read, up to limit
// bytes: a longer body is a different request than any stored one.
func (fp *fingerprint) readAll(c fiber.Ctx, limit int64) (string, int64, error) {
	body := &limitedReader{r: bodyReader(c), left: limit}
	if _, err := io.Copy(fp, body); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return "", 0, errKeyReused
		}
		return "", 0, apperr.BadRequest("the request body could not be read").WithErr(err)
	}
	return fp.hex(), fp.n, nil
}

func (fp *fingerprint) hex() string {
	fp.body.flush()
	return hex.EncodeToString(fp.sum.Sum(nil))
}

// maskWriter writes through to w with every occurrence of mark replaced by a fixed
// byte, keeping back the few bytes that may be the start of one.
type maskWriter struct {
	w    io.Writer
	mark []byte
	buf  []byte
}

func (m *maskWriter) Write(p []byte) (int, error) {
	if len(m.mark) == 0 {
		return m.w.Write(p)
	}
	m.buf = append(m.buf, p...)
	for {
		i := bytes.Index(m.buf, m.mark)
		if i < 0 {
			break
		}
		if _, err := m.w.Write(append(m.buf[:i:i], 0)); err != nil {
			return 0, err
		}
		m.buf = m.buf[i+len(m.mark):]
	}
	if keep := len(m.mark) - 1; len(m.buf) > keep {
		if _, err := m.w.Write(m.buf[:len(m.buf)-keep]); err != nil {
			return 0, err
		}
		m.buf = append(m.buf[:0:0], m.buf[len(m.buf)-keep:]...)
	}
	return len(p), nil
}

// flush writes what was kept back: the body has ended.
func (m *maskWriter) flush() {
	if len(m.buf) > 0 {
		_, _ = m.w.Write(m.buf)
		m.buf = nil
	}
}
