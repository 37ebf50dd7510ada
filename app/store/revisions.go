package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	atlasschema "ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
)

// RevisionTable records the applied migration files of a database.
const RevisionTable = "atlas_schema_revisions"

var revisionDDL = map[string]string{
	dialect.SQLite: `CREATE TABLE IF NOT EXISTS ` + RevisionTable + ` (
  version TEXT NOT NULL PRIMARY KEY,
  description TEXT NOT NULL,
  type INTEGER NOT NULL,
  applied INTEGER NOT NULL,
  total INTEGER NOT NULL,
  executed_at DATETIME NOT NULL,
  execution_time INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  error_stmt TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL,
  partial_hashes TEXT NOT NULL DEFAULT '[]',
  operator_version TEXT NOT NULL DEFAULT ''
)`,
	dialect.Postgres: `CREATE TABLE IF NOT EXISTS ` + RevisionTable + ` (
  version varchar(255) NOT NULL PRIMARY KEY,
  description text NOT NULL,
  type bigint NOT NULL,
  applied bigint NOT NULL,
  total bigint NOT NULL,
  executed_at timestamptz NOT NULL,
  execution_time bigint NOT NULL,
  error text NOT NULL DEFAULT '',
  error_stmt text NOT NULL DEFAULT '',
  hash text NOT NULL,
  partial_hashes text NOT NULL DEFAULT '[]',
  operator_version text NOT NULL DEFAULT ''
)`,
}

const revisionColumns = `version, description, type, applied, total, executed_at, execution_time,
  error, error_stmt, hash, partial_hashes, operator_version`

// revisions is the migrate.RevisionReadWriter of one database, reading and writing through
// q (the pool, a dedicated connection or a migration's transaction).
type revisions struct {
	q       atlasschema.ExecQuerier
	dialect string
	ident   *migrate.TableIdent
}

var _ migrate.RevisionReadWriter = (*revisions)(nil)

// newRevisions returns the revision store of q; create makes the table if it is missing.
func newRevisions(ctx context.Context, q atlasschema.ExecQuerier, dia string, create bool) (*revisions, bool, error) {
	ddl, ok := revisionDDL[dia]
	if !ok {
		return nil, false, fmt.Errorf("revisions: unsupported dialect %q", dia)
	}
	r := &revisions{q: q, dialect: dia, ident: &migrate.TableIdent{Name: RevisionTable, Schema: "main"}}
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if dia == dialect.Postgres {
		// Atlas's clean check compares the schema, so name the one the table lives in.
		if err := scanOne(ctx, q, `SELECT current_schema()`, &r.ident.Schema); err != nil {
			return nil, false, fmt.Errorf("revisions: current schema: %w", err)
		}
		exists = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	if err := scanOne(ctx, q, r.bind(exists), &n, RevisionTable); err != nil {
		return nil, false, fmt.Errorf("revisions: look up table: %w", err)
	}
	if n > 0 || !create {
		return r, n > 0, nil
	}
	if _, err := q.ExecContext(ctx, ddl); err != nil {
		return nil, false, fmt.Errorf("revisions: create table: %w", err)
	}
	return r, true, nil
}

// on returns the same store working through q.
func (r *revisions) on(q atlasschema.ExecQuerier) *revisions {
	c := *r
	c.q = q
	return &c
}

// Ident implements migrate.RevisionReadWriter.
func (r *revisions) Ident() *migrate.TableIdent { return r.ident }

// ReadRevisions implements migrate.RevisionReadWriter; revisions come ordered by version.
func (r *revisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	return r.query(ctx, `SELECT `+revisionColumns+` FROM `+RevisionTable+` ORDER BY version`)
}

// ReadRevision implements migrate.RevisionReadWriter.
func (r *revisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	revs, err := r.query(ctx, r.bind(`SELECT `+revisionColumns+` FROM `+RevisionTable+` WHERE version = ?`), version)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, migrate.ErrRevisionNotExist
	}
	return revs[0], nil
}

// WriteRevision implements migrate.RevisionReadWriter (insert or update by version).
func (r *revisions) WriteRevision(ctx context.Context, rev *migrate.Revision) error {
	partial, err := json.Marshal(rev.PartialHashes)
	if err != nil {
		return fmt.Errorf("revisions: encode partial hashes: %w", err)
	}
	if rev.PartialHashes == nil {
		partial = []byte("[]")
	}
	q := `INSERT INTO ` + RevisionTable + ` (` + revisionColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (version) DO UPDATE SET description = excluded.description, type = excluded.type,
  applied = excluded.applied, total = excluded.total, executed_at = excluded.executed_at,
  execution_time = excluded.execution_time, error = excluded.error, error_stmt = excluded.error_stmt,
  hash = excluded.hash, partial_hashes = excluded.partial_hashes, operator_version = excluded.operator_version`
	// #nosec G115 -- RevisionType is a small bit set and ExecutionTime a duration.
	_, err = r.q.ExecContext(ctx, r.bind(q),
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt.UTC(),
		int64(rev.ExecutionTime), rev.Error, rev.ErrorStmt, rev.Hash, string(partial), rev.OperatorVersion)
	if err != nil {
		return fmt.Errorf("revisions: write %s: %w", rev.Version, err)
	}
	return nil
}

// DeleteRevision implements migrate.RevisionReadWriter.
func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	if _, err := r.q.ExecContext(ctx, r.bind(`DELETE FROM `+RevisionTable+` WHERE version = ?`), version); err != nil {
		return fmt.Errorf("revisions: delete %s: %w", version, err)
	}
	return nil
}

func (r *revisions) query(ctx context.Context, q string, args ...any) ([]*migrate.Revision, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("revisions: read: %w", err)
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		var (
			rev           migrate.Revision
			typ, execTime int64
			partial       string
		)
		if err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt,
			&execTime, &rev.Error, &rev.ErrorStmt, &rev.Hash, &partial, &rev.OperatorVersion); err != nil {
			return nil, fmt.Errorf("revisions: scan: %w", err)
		}
		rev.Type = migrate.RevisionType(typ) // #nosec G115 -- written by Write from a RevisionType
		rev.ExecutionTime = time.Duration(execTime)
		if err := json.Unmarshal([]byte(partial), &rev.PartialHashes); err != nil {
			return nil, fmt.Errorf("revisions: decode partial hashes of %s: %w", rev.Version, err)
		}
		revs = append(revs, &rev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("revisions: read: %w", err)
	}
	return revs, nil
}

// bind turns ? placeholders into $n for Postgres.
func (r *revisions) bind(q string) string {
	if r.dialect != dialect.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func scanOne(ctx context.Context, q atlasschema.ExecQuerier, query string, dest any, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest); err != nil {
		return err
	}
	return errors.Join(rows.Err(), rows.Close())
}
