// Package platform opens the outside world: databases, Redis, blob storage, secrets and logs.
package platform

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
)

// sqliteDriver is the name Ent and Atlas expect for SQLite.
const sqliteDriver = "sqlite3"

var registerSQLite = sync.OnceFunc(func() {
	// modernc.org/sqlite registers itself as "sqlite"; Ent and Atlas look for "sqlite3".
	if !slices.Contains(sql.Drivers(), sqliteDriver) {
		sql.Register(sqliteDriver, stmtCachingDriver{inner: &sqlite.Driver{}})
	}
})

// DB is an open database with the Ent dialect it speaks.
type DB struct {
	SQL     *sql.DB
	Dialect string // dialect.SQLite or dialect.Postgres
}

// Driver wraps the connection for an Ent client.
func (d *DB) Driver() *entsql.Driver { return entsql.OpenDB(d.Dialect, d.SQL) }

// Close closes the pool.
func (d *DB) Close() error { return d.SQL.Close() }

// OpenDB opens sqlite://PATH or postgres://… and checks the connection.
func OpenDB(ctx context.Context, rawURL string) (*DB, error) {
	var (
		db  *sql.DB
		dia string
		err error
	)
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		dia = dialect.SQLite
		db, err = openSQLite(strings.TrimPrefix(rawURL, "sqlite://"))
	case IsPostgres(rawURL):
		dia = dialect.Postgres
		db, err = sql.Open("pgx", rawURL)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(10)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, fmt.Errorf("db: unsupported URL scheme in %q", Redact(rawURL))
	}
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("db: ping %s: %w", Redact(rawURL), err)
	}
	return &DB{SQL: db, Dialect: dia}, nil
}

// openSQLite opens a file (or ":memory:"-style DSN) in WAL mode with a busy timeout, so
// operator commands can write while a server holds the database open.
func openSQLite(path string) (*sql.DB, error) {
	registerSQLite()
	dsn := path
	if !strings.HasPrefix(path, "file:") && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		// Escape the path so '?', '#' or '%' in a directory name cannot cut it short.
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open(sqliteDriver, dsn)
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's rule; a small pool keeps readers concurrent. Idle
	// connections stay open: a new one reads the schema again and starts with a cold
	// page cache and no compiled statements.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return db, nil
}

// Redact hides the password in a URL for logs and errors.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// IsPostgres reports whether rawURL names a Postgres database.
func IsPostgres(rawURL string) bool {
	return strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://")
}

// WithoutCommitWait is the Postgres URL rawURL with synchronous_commit off for every
// session opened from it: a commit returns before its WAL reaches the disk. A database
// crash can then lose the last commits (about 0.6 s of them with the default
// wal_writer_delay), whole and in order: what survives is a consistent prefix, and a
// later commit that waited makes every earlier one durable. Other URLs come back
// unchanged.
func WithoutCommitWait(rawURL string) (string, error) {
	if !IsPostgres(rawURL) {
		return rawURL, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("db: parse URL %s: %w", Redact(rawURL), err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off") // pgx sends unknown parameters as session settings
	u.RawQuery = q.Encode()
	return u.String(), nil
}
