package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// chainTx is a transaction of a database that keeps an audit chain (the web or the API
// database): the few operations appending needs, whatever the generated client.
type chainTx interface {
	// exec runs a constant statement.
	exec(ctx context.Context, query string) error
	// query runs a constant statement that returns rows.
	query(ctx context.Context, query string) (*sql.Rows, error)
	insert(ctx context.Context, e Entry) error
	moveHead(ctx context.Context, h Head) error
}

// appendChain appends e, with the Request of ctx, inside tx. The chain's head row is
// locked first (lockHead), so appends are serialized and the chain stays linear.
func appendChain(ctx context.Context, tx chainTx, e Event, now time.Time) (Entry, error) {
	head, err := lockHead(ctx, tx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: lock head: %w", err)
	}
	en := newEntry(e, RequestFrom(ctx), now)
	en.Seq = head.Seq + 1
	en.PrevHash = head.Hash
	en.Seal()
	if err := tx.insert(ctx, en); err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	if err := tx.moveHead(ctx, Head{Seq: en.Seq, Hash: en.Hash}); err != nil {
		return Entry{}, fmt.Errorf("audit: append: move head: %w", err)
	}
	return en, nil
}

// lockHead locks the chain's head row and reads it, in one statement: on Postgres the
// UPDATE holds its row lock until tx ends, on SQLite every write transaction holds the
// database's one write lock. The row is made by the chain's first append. The statements
// are constant and the same in both dialects (RETURNING needs SQLite 3.35, ON CONFLICT
// 3.24).
func lockHead(ctx context.Context, tx chainTx) (Head, error) {
	for made := false; ; made = true {
		rows, err := tx.query(ctx, `UPDATE audit_heads SET seq = seq WHERE id = 1 RETURNING seq, hash`)
		if err != nil {
			return Head{}, err
		}
		var h Head
		found := rows.Next()
		if found {
			err = rows.Scan(&h.Seq, &h.Hash)
		}
		if err == nil {
			err = rows.Err()
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		switch {
		case err != nil:
			return Head{}, err
		case found:
			return h, nil
		case made:
			return Head{}, errors.New("the head row is missing")
		}
		if err := tx.exec(ctx, `INSERT INTO audit_heads (id, seq, hash) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING`); err != nil {
			return Head{}, err
		}
	}
}

// committer is a transaction of either generated client.
type committer interface {
	Commit() error
	Rollback() error
}

// appendOwn appends e through appendTx in a transaction of its own, begun by begin.
func appendOwn[T committer](ctx context.Context, begin func(context.Context) (T, error),
	appendTx func(context.Context, T, Event) (Entry, error), e Event) (Entry, error) {
	tx, err := begin(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	en, err := appendTx(ctx, tx, e)
	if err != nil {
		_ = tx.Rollback()
		return Entry{}, err
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("audit: append: commit: %w", err)
	}
	return en, nil
}

// logFailure logs an append that failed: recording never fails the change it describes.
func logFailure(ctx context.Context, log *slog.Logger, e Event, err error) {
	if err != nil {
		log.ErrorContext(ctx, "audit: record failed", slog.String("event", e.Name), slog.Any("error", err))
	}
}
