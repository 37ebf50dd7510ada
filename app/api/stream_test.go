package api_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

// listen serves the app on a loopback port, for tests that need a real connection.
func (e *env) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = e.app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	return ln.Addr().String()
}

// rawRequest writes head and then body to a fresh connection, ignoring write errors (the
// server may close early), and reads the response.
func rawRequest(t *testing.T, addr, head string, body io.Reader) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	if body != nil {
		go func() { _, _ = io.Copy(conn, body) }()
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	return res
}

func TestUploadRefusesContentLengthOverLimitBeforeReading(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	org, key := e.org(t)
	addr := e.listen(t)
	// Ten GiB announced, 16 KiB sent, then the client stalls: an answer proves the server
	// did not wait for the body. (fasthttp pre-reads up to 8 KiB before calling a handler.)
	head := "POST /v1/api/datasets?name=x HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + key +
		"\r\nContent-Type: text/csv\r\nContent-Length: 10737418240\r\n\r\n"
	start := time.Now()
	res := rawRequest(t, addr, head, strings.NewReader("a,b\n"+strings.Repeat("1,2\n", 4<<10)))
	defer res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	require.Less(t, time.Since(start), 5*time.Second)
	require.True(t, res.Close, "the connection is closed: the unread body must not be parsed as a request")
	require.Zero(t, e.countDatasets(t, org))
	require.Empty(t, e.blobFiles(t, org))
}

// chunked encodes body as HTTP/1.1 chunks of size n.
func chunked(body string, n int) string {
	var b strings.Builder
	for len(body) > 0 {
		k := min(n, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, body[:k])
		body = body[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

func TestUploadCountsStreamedBody(t *testing.T) {
	limit := int64(64 << 10)
	e := newEnv(t, sqliteURL(t), func(c *config.Config) { c.MaxUploadBytes = limit })
	org, key := e.org(t)
	addr := e.listen(t)
	head := "POST /v1/api/datasets?name=x HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + key +
		"\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"

	t.Run("over the limit", func(t *testing.T) {
		body := "a,b\n" + strings.Repeat("1,2\n", int(limit)/4)
		res := rawRequest(t, addr, head, strings.NewReader(chunked(body, 8<<10)))
		defer res.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		require.Zero(t, e.countDatasets(t, org))
		require.Empty(t, e.blobFiles(t, org))
	})
	t.Run("within the limit", func(t *testing.T) {
		body := "a,b\n" + strings.Repeat("1,2\n", int(limit)/8)
		res := rawRequest(t, addr, head, strings.NewReader(chunked(body, 8<<10)))
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", b)
		require.Contains(t, string(b), fmt.Sprintf(`"size_bytes":%d`, len(body)))
		require.Equal(t, 1, e.countDatasets(t, org))
		require.Len(t, e.blobFiles(t, org), 1)
	})
}

// A body the handler does not read must not stay on a kept-alive connection: fasthttp
// pre-reads 8 KiB of it, and whatever follows would be parsed as the next request.
func TestUnreadBodyIsNotParsedAsARequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		addr := e.listen(t)
		smuggled := "GET /v1/health HTTP/1.1\r\nHost: test\r\n\r\n"

		send := func(t *testing.T, conn net.Conn, method, path, body string) {
			t.Helper()
			_, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, path, key, len(body), body)
			require.NoError(t, err)
		}
		dial := func(t *testing.T) (net.Conn, *bufio.Reader) {
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			t.Cleanup(func() { conn.Close() })
			require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
			return conn, bufio.NewReader(conn)
		}

		for _, tc := range []struct{ name, method, path string }{
			{"success", http.MethodGet, "/v1/api/datasets/" + ds},
			{"error", http.MethodGet, "/v1/api/datasets/nope"},
			{"no route", http.MethodPost, "/v1/api/nope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				conn, br := dial(t)
				send(t, conn, tc.method, tc.path, strings.Repeat("x", 8<<10)+smuggled)
				res, err := http.ReadResponse(br, nil)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, res.Body)
				require.True(t, res.Close, "the connection is closed after the response")
				_, err = http.ReadResponse(br, nil)
				require.Error(t, err, "the smuggled request got no answer")
			})
		}

		t.Run("a body read to its end keeps the connection", func(t *testing.T) {
			conn, br := dial(t)
			for range 2 {
				send(t, conn, http.MethodPost, "/v1/api/tasks", `{"dataset_id":"`+ds+`"}`+strings.Repeat(" ", 16<<10))
				res, err := http.ReadResponse(br, nil)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, res.Body)
				require.Equal(t, http.StatusAccepted, res.StatusCode)
				require.False(t, res.Close)
			}
		})
	})
}
