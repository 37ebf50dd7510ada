package platform

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
)

// The SQLite driver compiles every query it is handed as text, and Ent hands it text,
// so the same few dozen statements were parsed and planned again on every call — the
// largest single cost of a pipeline step. stmtCachingDriver keeps each connection's
// compiled statements, keyed by their text, and runs repeats from that cache; SQLite
// re-prepares a cached statement by itself when the schema changes.

// stmtCacheSize bounds the statements kept per connection; Ent's statements are a
// small fixed set, and texts that vary (IN lists of any length) must not grow it.
const stmtCacheSize = 256

type stmtCachingDriver struct{ inner driver.Driver }

func (d stmtCachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return newStmtCachingConn(c)
}

// innerConn is what the wrapped connection must offer.
type innerConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is a compiled statement; busy while rows read from it are open, when a
// second use of the same text on the connection gets a statement of its own.
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

// stmtCachingConn is used by one goroutine at a time (database/sql's rule for drivers),
// so the cache needs no lock.
type stmtCachingConn struct {
	innerConn
	stmts map[string]*cachedStmt
}

func newStmtCachingConn(c driver.Conn) (driver.Conn, error) {
	ic, ok := c.(innerConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("db: the SQLite driver lacks a context-aware connection")
	}
	return &stmtCachingConn{innerConn: ic, stmts: map[string]*cachedStmt{}}, nil
}

// cached returns the free compiled statement for query, compiling it on first use, or
// nil when it is in use or cannot be kept (then the caller runs the query uncached).
func (c *stmtCachingConn) cached(ctx context.Context, query string) *cachedStmt {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil
		}
		return cs
	}
	if len(c.stmts) >= stmtCacheSize && !c.evictFree() {
		return nil
	}
	s, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil // the uncached path reports the error
	}
	st, ok := s.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = s.Close()
		return nil
	}
	cs := &cachedStmt{stmt: st}
	c.stmts[query] = cs
	return cs
}

// evictFree drops every statement not in use; false if none was free.
func (c *stmtCachingConn) evictFree() bool {
	freed := false
	for q, cs := range c.stmts {
		if !cs.busy {
			_ = cs.stmt.Close()
			delete(c.stmts, q)
			freed = true
		}
	}
	return freed
}

func (c *stmtCachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs := c.cached(ctx, query)
	if cs == nil {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return cs.stmt.ExecContext(ctx, args)
}

func (c *stmtCachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.cached(ctx, query)
	if cs == nil {
		return c.innerConn.QueryContext(ctx, query, args)
	}
	cs.busy = true
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		cs.busy = false
		return nil, err
	}
	return &cachedRows{Rows: rows, stmt: cs}, nil
}

// Close finalizes the cached statements before the connection.
func (c *stmtCachingConn) Close() error {
	for q, cs := range c.stmts {
		_ = cs.stmt.Close()
		delete(c.stmts, q)
	}
	return c.innerConn.Close()
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

// The column-type reports database/sql's ColumnTypes asks for.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
