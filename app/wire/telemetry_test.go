package wire

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

func testBase(t *testing.T, redisURL, ns, metricsAddr string) *Base {
	t.Helper()
	dir := t.TempDir()
	b, err := NewBase(config.Config{
		Env: config.EnvTest, DataDir: dir, BlobDir: filepath.Join(dir, "blobs"),
		WebAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", RedisURL: redisURL, RedisNamespace: ns,
		MaxUploadBytes: 1 << 20, ChunkRows: 10, MetricsAddr: metricsAddr,
	}, config.RoleDev, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

// The metrics endpoint listens on METRICS_ADDR only, and shows the queue depth read
// from Redis (embedded, and the real one of TEST_REDIS_URL) at scrape time.
func TestMetricsServer(t *testing.T) {
	off := testBase(t, "", "wiretest", "")
	ms, err := off.StartMetrics()
	require.NoError(t, err)
	require.Nil(t, ms, "no address, no server")
	require.NoError(t, ms.Close())

	for name, url := range map[string]string{"miniredis": "", "redis": os.Getenv("TEST_REDIS_URL")} {
		t.Run(name, func(t *testing.T) {
			if name == "redis" && url == "" {
				t.Skip("TEST_REDIS_URL is not set")
			}
			testQueueDepth(t, url)
		})
	}
}

func testQueueDepth(t *testing.T, redisURL string) {
	ns := fmt.Sprintf("wiretest-%d", time.Now().UnixNano())
	b := testBase(t, redisURL, ns, "127.0.0.1:0")
	w := NewWorker(b, nil, 1, false)
	t.Cleanup(func() { w.Close() })
	conn := b.Redis.Pool.Get()
	defer conn.Close()
	key := ns + ":jobs:pipeline.normalize"
	for range 3 {
		_, err := conn.Do("LPUSH", key, "{}")
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		c := b.Redis.Pool.Get()
		defer c.Close()
		c.Do("DEL", key)
	})

	ms, err := b.StartMetrics()
	require.NoError(t, err)
	t.Cleanup(func() { ms.Close() })
	res, err := http.Get("http://" + ms.Addr() + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), `queue_depth{queue="pipeline.normalize"} 3`)
	require.Contains(t, string(body), `queue_depth{queue="pipeline.fetch"} 0`)
	require.Contains(t, string(body), "go_goroutines")
}
