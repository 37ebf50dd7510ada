package web

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

// serve runs the app on a loopback port for requests app.Test cannot make (chunked bodies).
func (e *testEnv) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go e.app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true})
	t.Cleanup(func() { e.app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// TestChunkedBodiesAreBounded sends bodies without a Content-Length: the limits hold
// while reading.
func TestChunkedBodiesAreBounded(t *testing.T) {
	env := newSQLiteEnv(t, func(c *config.Config) { c.MaxUploadBytes = 1024 })
	c := env.login(t, env.owner(t))
	base := env.serve(t)
	ct, upload := uploadBody{csrf: c.csrf, contents: strings.Repeat("a,b\n", (1<<20)/4+1024)}.encode(t)
	tests := []struct {
		name, path, contentType string
		body                    []byte
		status                  int
		anon                    bool
	}{
		{"form", "/login", "application/x-www-form-urlencoded", []byte("email=" + strings.Repeat("x", maxFormBody)), 413, false},
		{"small form", "/login", "application/x-www-form-urlencoded", []byte(fieldCSRF + "=" + c.csrf + "&email=a%40b.c&password=x"), 422, false},
		{"upload", "/datasets", ct, upload.Bytes(), 413, false},
		{"webhook", "/webhooks/api", "application/json", bytes.Repeat([]byte("x"), maxWebhookBody+1), 413, false},
		{"signed out upload", "/datasets", ct, upload.Bytes(), 200, true}, // followed the 303 to /login
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A reader without a known length makes the client send chunks.
			req, err := http.NewRequest(http.MethodPost, base+tc.path, io.MultiReader(bytes.NewReader(tc.body)))
			require.NoError(t, err)
			req.TransferEncoding = []string{"chunked"}
			req.Header.Set("Content-Type", tc.contentType)
			if !tc.anon {
				req.AddCookie(c.cookie)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, tc.status, res.StatusCode)
		})
	}
}
