package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"
)

// migrationTx is the transaction of one migration file.
type migrationTx struct {
	*sql.Tx
	done     bool
	commitFn func() error
	abortFn  func() error
}

func (t *migrationTx) commit() error {
	if t.done {
		return errors.New("transaction already finished")
	}
	t.done = true
	return t.commitFn()
}

func (t *migrationTx) rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	return t.abortFn()
}

// begin starts a migration transaction on conn.
//
// On SQLite it does what the Atlas CLI does: "PRAGMA foreign_keys" is a no-op inside a
// transaction, yet Atlas rebuilds tables (create new, copy, drop old, rename) in ways that
// trip foreign keys midway, so enforcement is switched off on the connection before BEGIN,
// the foreign-key violations found before and at commit are compared (new ones roll the
// file back), and enforcement is switched on again afterwards.
func begin(ctx context.Context, conn *sql.Conn, dia string) (*migrationTx, error) {
	if dia != dialect.SQLite {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
		return &migrationTx{Tx: tx, commitFn: tx.Commit, abortFn: tx.Rollback}, nil
	}
	// Restoring the pragma must happen even when ctx is cancelled: the connection goes back to the pool.
	bg := context.WithoutCancel(ctx)
	var on bool
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, fmt.Errorf("read foreign_keys pragma: %w", err)
	}
	if on {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
			return nil, fmt.Errorf("disable foreign keys: %w", err)
		}
	}
	restore := func(err error) error {
		if on {
			if _, err2 := conn.ExecContext(bg, "PRAGMA foreign_keys = on"); err2 != nil {
				return errors.Join(err, fmt.Errorf("enable foreign keys: %w", err2))
			}
		}
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, restore(fmt.Errorf("begin: %w", err))
	}
	commit, err := sqlite.CommitFunc(bg, conn, tx, on)
	if err != nil {
		return nil, restore(errors.Join(fmt.Errorf("foreign key check: %w", err), tx.Rollback()))
	}
	return &migrationTx{Tx: tx, commitFn: commit, abortFn: sqlite.RollbackFunc(bg, conn, tx, on)}, nil
}
