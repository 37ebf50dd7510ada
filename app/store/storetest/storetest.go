// Package storetest gives tests (and dev tools) throwaway databases: a SQLite file in a
// temporary directory, or a fresh Postgres database on the server named by TEST_POSTGRES_URL.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/assayhq/assay/app/platform"
)

// EnvPostgres names the server tests create their databases on.
const EnvPostgres = "TEST_POSTGRES_URL"

// EnvRequireAll turns every skip for a missing service into a failure.
const EnvRequireAll = "TEST_REQUIRE_ALL"

// SQLite returns sqlite://<tempdir>/x.db; the directory is removed after the test.
func SQLite(t testing.TB) string {
	t.Helper()
	// Not t.TempDir(): its name comes from the test's, and a "#" (as in "sqlite#01")
	// would end the path of the file: URI the driver is given.
	dir, err := os.MkdirTemp("", "assay-sqlite-")
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return "sqlite://" + filepath.Join(dir, "x.db")
}

// Postgres returns the URL of a new, empty database on the TEST_POSTGRES_URL server,
// dropped when the test ends. Without TEST_POSTGRES_URL it skips the test, or fails it
// when TEST_REQUIRE_ALL=1.
func Postgres(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		SkipOrFail(t, EnvPostgres+" is not set: skipping Postgres")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dbURL, drop, err := CreatePostgres(ctx, server, t.Name())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return dbURL
}

// Each runs fn as a subtest per backend: "sqlite" always, "postgres" when
// TEST_POSTGRES_URL is set (otherwise that subtest is skipped, or fails under TEST_REQUIRE_ALL=1).
func Each(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SkipOrFail skips the test with reason, or fails it when TEST_REQUIRE_ALL=1.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(EnvRequireAll) == "1" {
		t.Fatal(reason + ": failing, as " + EnvRequireAll + "=1")
	}
	t.Skip(reason)
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// CreatePostgres creates a uniquely named database on the server at serverURL (any database
// of that server the URL can connect to) and returns its URL and a function that drops it.
// label becomes part of the name, to tell leftovers apart.
func CreatePostgres(ctx context.Context, serverURL, label string) (string, func(context.Context) error, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres url: %w", err)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", nil, fmt.Errorf("postgres name: %w", err)
	}
	label = strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(label), "_"), "_")
	if len(label) > 40 {
		label = label[:40]
	}
	name := "assay_" + label + "_" + hex.EncodeToString(rnd[:])
	admin, err := platform.OpenDB(ctx, serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", platform.Redact(serverURL), err)
	}
	defer admin.Close()
	// The name is built from [a-z0-9_] only, so quoting it is enough.
	if _, err := admin.SQL.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop := func(ctx context.Context) error {
		admin, err := platform.OpenDB(ctx, serverURL)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", platform.Redact(serverURL), err)
		}
		defer admin.Close()
		if _, err := admin.SQL.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// OpenMemory opens an empty in-memory SQLite database, e.g. as Atlas's dev database.
// It is limited to one connection: every connection to ":memory:" is a database of its own.
func OpenMemory(ctx context.Context) (*platform.DB, error) {
	db, err := platform.OpenDB(ctx, "sqlite://:memory:")
	if err != nil {
		return nil, err
	}
	db.SQL.SetMaxOpenConns(1)
	db.SQL.SetConnMaxLifetime(0)
	db.SQL.SetConnMaxIdleTime(0)
	return db, nil
}
