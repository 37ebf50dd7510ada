package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	entweb "github.com/assayhq/assay/ent/web"
)

// probeEnv is the web app with what readiness checks: its database and Redis (miniredis
// next to SQLite, the real server of TEST_REDIS_URL next to Postgres).
type probeEnv struct {
	app   *fiber.App
	db    *entweb.Client
	redis *platform.Redis
}

func newProbeEnv(t *testing.T, dbURL string) *probeEnv {
	t.Helper()
	db, err := store.OpenWeb(context.Background(), config.Config{Env: config.EnvTest, WebDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	redisURL := ""
	if strings.HasPrefix(dbURL, "postgres") {
		redisURL = os.Getenv("TEST_REDIS_URL")
	}
	rds, err := platform.OpenRedis(redisURL)
	require.NoError(t, err)
	t.Cleanup(func() { rds.Close() })
	seed := make([]byte, 32)
	rand.Read(seed)
	signer, err := auth.NewSigner(base64.StdEncoding.EncodeToString(seed))
	require.NoError(t, err)
	srv, err := New(Deps{
		Config: config.Config{Env: config.EnvTest, WebURL: "http://assay.test", APIURL: "http://api.test",
			SessionSecret: "test-session-secret-0123456789abcdef", WebhookSecret: testSecret, MaxUploadBytes: 1 << 20},
		DB: db, Signer: signer, Hub: events.NewHub(rds.Pool, "webprobes", nil), Redis: rds,
	})
	require.NoError(t, err)
	return &probeEnv{app: srv.App(), db: db, redis: rds}
}

type probeBody struct {
	Status  string            `json:"status"`
	Checks  map[string]string `json:"checks"`
	Failing []string          `json:"failing"`
}

func (e *probeEnv) get(t *testing.T, path string) (int, probeBody) {
	t.Helper()
	res, err := e.app.Test(httptest.NewRequest(http.MethodGet, path, nil),
		fiber.TestConfig{Timeout: 10 * time.Second, FailOnTimeout: true})
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var p probeBody
	require.NoError(t, json.Unmarshal(b, &p), "body: %s", b)
	return res.StatusCode, p
}

func TestProbes(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(t *testing.T, e *probeEnv)
		ready   int
		failing []string
	}{
		{"all up", func(*testing.T, *probeEnv) {}, http.StatusOK, nil},
		{"redis down", func(t *testing.T, e *probeEnv) { require.NoError(t, e.redis.Close()) }, http.StatusServiceUnavailable, []string{"redis"}},
		{"database closed", func(t *testing.T, e *probeEnv) { require.NoError(t, e.db.Close()) }, http.StatusServiceUnavailable, []string{"database"}},
	}
	storetest.Each(t, func(t *testing.T, dbURL string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newProbeEnv(t, dbURL)
				tc.breakIt(t, e)

				status, p := e.get(t, pathLive)
				require.Equal(t, http.StatusOK, status, "liveness checks no dependency")
				require.Equal(t, "ok", p.Status)

				status, p = e.get(t, pathReady)
				require.Equal(t, tc.ready, status)
				require.Equal(t, tc.failing, p.Failing)
				require.Len(t, p.Checks, 2)
				for _, name := range tc.failing {
					require.Equal(t, "error", p.Checks[name])
				}
			})
		}
	})
}
