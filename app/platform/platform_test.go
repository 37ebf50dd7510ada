package platform_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store/storetest"
)

func TestOpenDB(t *testing.T) {
	ctx := context.Background()
	urls := map[string]string{"sqlite": "sqlite://" + filepath.Join(t.TempDir(), "x.db"), "postgres": os.Getenv("TEST_POSTGRES_URL")}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			if u == "" {
				storetest.SkipOrFail(t, "postgres: TEST_POSTGRES_URL is not set")
			}
			db, err := platform.OpenDB(ctx, u)
			require.NoError(t, err)
			defer db.Close()
			require.Equal(t, map[string]string{"sqlite": "sqlite3", "postgres": "postgres"}[name], db.Dialect)
			var one int
			require.NoError(t, db.SQL.QueryRowContext(ctx, "SELECT 1").Scan(&one))
			require.Equal(t, 1, one)
		})
	}
	t.Run("sqlite pragmas", func(t *testing.T) {
		db, err := platform.OpenDB(ctx, urls["sqlite"])
		require.NoError(t, err)
		defer db.Close()
		var mode string
		require.NoError(t, db.SQL.QueryRow("PRAGMA journal_mode").Scan(&mode))
		require.Equal(t, "wal", mode)
		var fk, busy int
		require.NoError(t, db.SQL.QueryRow("PRAGMA foreign_keys").Scan(&fk))
		require.NoError(t, db.SQL.QueryRow("PRAGMA busy_timeout").Scan(&busy))
		require.Equal(t, 1, fk)
		require.Positive(t, busy)
	})
	_, err := platform.OpenDB(ctx, "mysql://x")
	require.ErrorContains(t, err, "unsupported")
}

// TestWithoutCommitWait: a Postgres URL gains synchronous_commit=off, which its sessions
// apply; other parameters stay, and other databases' URLs are left alone.
func TestWithoutCommitWait(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://u:p@h:5432/db", "postgres://u:p@h:5432/db?synchronous_commit=off"},
		{"postgresql://h/db?sslmode=disable", "postgresql://h/db?sslmode=disable&synchronous_commit=off"},
		{"postgres://h/db?synchronous_commit=on", "postgres://h/db?synchronous_commit=off"},
		{"sqlite://data/api.db", "sqlite://data/api.db"},
	}
	for _, c := range cases {
		got, err := platform.WithoutCommitWait(c.in)
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	u := os.Getenv("TEST_POSTGRES_URL")
	if u == "" {
		storetest.SkipOrFail(t, "postgres: TEST_POSTGRES_URL is not set")
	}
	async, err := platform.WithoutCommitWait(u)
	require.NoError(t, err)
	ctx := context.Background()
	for url, want := range map[string]string{u: "on", async: "off"} {
		db, err := platform.OpenDB(ctx, url)
		require.NoError(t, err)
		var got string
		require.NoError(t, db.SQL.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&got))
		require.NoError(t, db.Close())
		require.Equal(t, want, got)
	}
}

func TestRedact(t *testing.T) {
	require.Equal(t, "postgres://u:xxxxx@h/db", platform.Redact("postgres://u:secret@h/db"))
	require.Equal(t, "redis://h:6379", platform.Redact("redis://h:6379"))
}

func TestOpenRedis(t *testing.T) {
	urls := map[string]string{"embedded": "", "real": os.Getenv("TEST_REDIS_URL")}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			if name == "real" && u == "" {
				storetest.SkipOrFail(t, "real redis: TEST_REDIS_URL is not set")
			}
			r, err := platform.OpenRedis(u)
			require.NoError(t, err)
			defer r.Close()
			require.Equal(t, name == "embedded", r.Embedded())
			c := r.Pool.Get()
			defer c.Close()
			key := "platform-test:" + platform.NewID()
			_, err = c.Do("SET", key, "v", "EX", 10)
			require.NoError(t, err)
			v, err := redis.String(c.Do("GET", key))
			require.NoError(t, err)
			require.Equal(t, "v", v)

			// A key's TTL runs out with the clock, on the embedded server too.
			_, err = c.Do("SET", key, "v", "PX", 50)
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				n, err := redis.Int(c.Do("EXISTS", key))
				return err == nil && n == 0
			}, 5*time.Second, 20*time.Millisecond, "the key expired")
		})
	}
}

func TestDirBlobs(t *testing.T) {
	ctx := context.Background()
	b, err := platform.OpenDirBlobs(t.TempDir())
	require.NoError(t, err)
	n, err := b.Put(ctx, "a/b/c.csv", strings.NewReader("hello world"))
	require.NoError(t, err)
	require.Equal(t, int64(11), n)
	rc, err := b.OpenRange(ctx, "a/b/c.csv", 6, 5)
	require.NoError(t, err)
	got, _ := io.ReadAll(rc)
	rc.Close()
	require.Equal(t, "world", string(got))
	for _, bad := range []string{"", "../x", "/abs", "a/../../x"} {
		_, err := b.Put(ctx, bad, strings.NewReader("x"))
		require.Error(t, err, bad)
	}
	require.NoError(t, b.DeletePrefix(ctx, "a/"))
	_, err = b.Open(ctx, "a/b/c.csv")
	require.ErrorIs(t, err, platform.ErrBlobNotFound)
	require.NoError(t, b.Delete(ctx, "a/b/c.csv"), "deleting a missing key is fine")
}

func TestEnsureSecretsPersistsAndKeepsConfigured(t *testing.T) {
	dir := t.TempDir()
	c1, err := platform.EnsureSecrets(config.Config{Env: config.EnvDevelopment, DataDir: dir})
	require.NoError(t, err)
	require.Len(t, c1.SessionSecret, 64)
	c2, err := platform.EnsureSecrets(config.Config{Env: config.EnvDevelopment, DataDir: dir, WebhookSecret: "configured-configured-configured-x"})
	require.NoError(t, err)
	require.Equal(t, c1.SessionSecret, c2.SessionSecret)
	require.Equal(t, c1.JWTSigningKey, c2.JWTSigningKey)
	require.Equal(t, "configured-configured-configured-x", c2.WebhookSecret)
	st, err := os.Stat(filepath.Join(dir, "secrets.json"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	_, err = platform.EnsureSecrets(config.Config{Env: config.EnvProduction, DataDir: dir})
	require.Error(t, err)
}

func TestOpenSQLiteOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%d e")
	db, err := platform.OpenDB(context.Background(), "sqlite://"+filepath.Join(dir, "x.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.SQL.Exec("CREATE TABLE t (x int)")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "x.db"))
	require.NoError(t, err, "the file is where the URL says")
	var mode string
	require.NoError(t, db.SQL.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
}
