package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/schema"
)

// Migrate applies the pending embedded migrations of set ("web" or "api") to db.
//
// The directory's atlas.sum is verified first. Each file runs in its own transaction
// together with its revision row, so a failing file leaves neither its changes nor a
// revision behind, and the error names the file. A file whose header says
// "-- atlas:txmode none" runs without a transaction (Atlas's convention).
//
// Concurrent runs are safe: on Postgres a session advisory lock per set is held on a
// dedicated connection for the whole run; on SQLite every file's transaction starts with
// BEGIN IMMEDIATE (platform.OpenDB sets _txlock=immediate), which takes the database's
// write lock before the pending files are computed, so a second process waits (up to the
// busy timeout) and then finds the file applied.
func Migrate(ctx context.Context, db *platform.DB, set string) error {
	dir, err := schema.AtlasDir(set, db.Dialect)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := migrateDir(ctx, db, set, dir); err != nil {
		return fmt.Errorf("store: migrate %s: %w", set, err)
	}
	return nil
}

// Status lists the applied and the pending migration files of set in db.
func Status(ctx context.Context, db *platform.DB, set string) (applied, pending []string, err error) {
	dir, err := schema.AtlasDir(set, db.Dialect)
	if err != nil {
		return nil, nil, fmt.Errorf("store: status: %w", err)
	}
	applied, pending, err = status(ctx, db, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("store: status %s: %w", set, err)
	}
	return applied, pending, nil
}

func status(ctx context.Context, db *platform.DB, dir migrate.Dir) (applied, pending []string, err error) {
	if err := migrate.Validate(dir); err != nil {
		return nil, nil, fmt.Errorf("validate %s: %w", migrate.HashFileName, err)
	}
	revs, exists, err := newRevisions(ctx, db.SQL, db.Dialect, false)
	if err != nil {
		return nil, nil, err
	}
	var rrw migrate.RevisionReadWriter = revs
	if !exists {
		rrw = noRevisions{revs.ident}
	}
	files, err := dir.Files()
	if err != nil {
		return nil, nil, fmt.Errorf("read files: %w", err)
	}
	done, err := rrw.ReadRevisions(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range done {
		if r.Applied != r.Total || r.Error != "" {
			continue
		}
		name := r.Version + "_" + r.Description + ".sql"
		if i := slices.IndexFunc(files, func(f migrate.File) bool { return f.Version() == r.Version }); i >= 0 {
			name = files[i].Name()
		}
		applied = append(applied, name)
	}
	ex, err := executor(db.Dialect, db.SQL, dir, rrw)
	if err != nil {
		return nil, nil, err
	}
	todo, err := ex.Pending(ctx)
	if err != nil && !errors.Is(err, migrate.ErrNoPendingFiles) {
		return nil, nil, err
	}
	for _, f := range todo {
		pending = append(pending, f.Name())
	}
	return applied, pending, nil
}

// migrateDir applies the pending files of dir one transaction at a time and returns
// the names of the files it applied.
func migrateDir(ctx context.Context, db *platform.DB, set string, dir migrate.Dir) ([]string, error) {
	if err := migrate.Validate(dir); err != nil {
		return nil, fmt.Errorf("validate %s: %w", migrate.HashFileName, err)
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	unlock, err := lock(ctx, conn, db.Dialect, set)
	if err != nil {
		return nil, err
	}
	defer unlock()
	revs, _, err := newRevisions(ctx, conn, db.Dialect, true)
	if err != nil {
		return nil, err
	}
	var applied []string
	for {
		name, err := applyNext(ctx, conn, db.Dialect, dir, revs)
		if err != nil {
			return applied, err
		}
		if name == "" {
			return applied, nil
		}
		applied = append(applied, name)
	}
}

// applyNext applies the first pending file in one transaction and returns its name,
// or "" when nothing is pending. The pending files are computed inside the transaction,
// after its lock is taken, so a concurrent run that applied them first is seen.
func applyNext(ctx context.Context, conn *sql.Conn, dia string, dir migrate.Dir, revs *revisions) (string, error) {
	tx, err := begin(ctx, conn, dia)
	if err != nil {
		return "", err
	}
	defer tx.rollback() // no-op once committed
	ex, err := executor(dia, tx.Tx, dir, revs.on(tx.Tx))
	if err != nil {
		return "", err
	}
	pending, err := ex.Pending(ctx)
	if errors.Is(err, migrate.ErrNoPendingFiles) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	f := pending[0]
	inTx := !noTx(f)
	if !inTx {
		if err := tx.rollback(); err != nil {
			return "", fmt.Errorf("release transaction: %w", err)
		}
		if ex, err = executor(dia, conn, dir, revs.on(conn)); err != nil {
			return "", err
		}
	}
	if err := ex.Execute(ctx, f); err != nil {
		return "", fileError(f, err)
	}
	if inTx {
		if err := tx.commit(); err != nil {
			return "", fmt.Errorf("%s: commit: %w", f.Name(), err)
		}
	}
	return f.Name(), nil
}

// noTx reports whether the file opts out of its transaction with "-- atlas:txmode none".
func noTx(f migrate.File) bool {
	lf, ok := f.(*migrate.LocalFile)
	return ok && slices.Contains(lf.Directive("txmode"), "none")
}

func fileError(f migrate.File, err error) error {
	var se *migrate.StmtExecError
	if errors.As(err, &se) {
		// A failed statement aborts a Postgres transaction, so the executor's attempt to record
		// the error in the revision table fails as well; the statement's error is the one to show.
		return fmt.Errorf("%s: statement %q: %w", f.Name(), se.Stmt.Text, se.Err)
	}
	return fmt.Errorf("%s: %w", f.Name(), err)
}

func executor(dia string, q atlasschema.ExecQuerier, dir migrate.Dir, rrw migrate.RevisionReadWriter) (*migrate.Executor, error) {
	var (
		drv migrate.Driver
		err error
	)
	switch dia {
	case dialect.SQLite:
		drv, err = sqlite.Open(q)
	case dialect.Postgres:
		drv, err = postgres.Open(q)
	default:
		err = fmt.Errorf("unsupported dialect %q", dia)
	}
	if err != nil {
		return nil, fmt.Errorf("atlas driver: %w", err)
	}
	ex, err := migrate.NewExecutor(drv, dir, rrw, migrate.WithOperatorVersion("assay"))
	if err != nil {
		return nil, fmt.Errorf("atlas executor: %w", err)
	}
	return ex, nil
}

// lock serializes migrations of one set on Postgres with a session advisory lock held by
// conn; SQLite relies on each file's immediate transaction (see Migrate).
func lock(ctx context.Context, conn *sql.Conn, dia, set string) (func(), error) {
	if dia != dialect.Postgres {
		return func() {}, nil
	}
	h := fnv.New64a()
	h.Write([]byte("assay:migrate:" + set))
	key := int64(h.Sum64()) // #nosec G115 -- a lock key: wrapping to a negative bigint is fine
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return nil, fmt.Errorf("advisory lock: %w", err)
	}
	return func() {
		// Closing the session would release it too; unlock so the pooled connection is clean.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	}, nil
}

// noRevisions reads as an empty history, for Status on a database never migrated.
type noRevisions struct{ ident *migrate.TableIdent }

func (n noRevisions) Ident() *migrate.TableIdent { return n.ident }
func (noRevisions) ReadRevisions(context.Context) ([]*migrate.Revision, error) {
	return nil, nil
}
func (noRevisions) ReadRevision(context.Context, string) (*migrate.Revision, error) {
	return nil, migrate.ErrRevisionNotExist
}
func (noRevisions) WriteRevision(context.Context, *migrate.Revision) error {
	return errors.New("revisions: read-only")
}
func (noRevisions) DeleteRevision(context.Context, string) error {
	return errors.New("revisions: read-only")
}
