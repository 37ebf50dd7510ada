package audit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	entweb "github.com/assayhq/assay/ent/web"
)

// headID is the id of the one row of audit_heads.
const headID = 1

// Log appends entries to the audit log of the web database. A nil Log records nothing.
type Log struct {
	db  *entweb.Client
	log *slog.Logger
	now func() time.Time
}

// NewLog returns the audit log of db; log receives the errors of Record.
func NewLog(db *entweb.Client, log *slog.Logger) *Log {
	return &Log{db: db, log: log, now: time.Now}
}

// Record appends e in a transaction of its own, with the Request of ctx. It is the Func
// for events that change nothing else (a failed sign-in) or whose change has committed;
// an error is logged, never returned.
func (l *Log) Record(ctx context.Context, e Event) {
	if l == nil {
		return
	}
	if _, err := l.Append(ctx, e); err != nil {
		l.log.ErrorContext(ctx, "audit: record failed", slog.String("event", e.Name), slog.Any("error", err))
	}
}

// Func returns Record as a Func.
func (l *Log) Func() Func { return l.Record }

// Append appends e in a transaction of its own and returns the entry written.
func (l *Log) Append(ctx context.Context, e Event) (Entry, error) {
	if l == nil {
		return Entry{}, nil
	}
	tx, err := l.db.Tx(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	ent, err := l.AppendTx(ctx, tx, e)
	if err != nil {
		_ = tx.Rollback()
		return Entry{}, err
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("audit: append: commit: %w", err)
	}
	return ent, nil
}

// AppendTx appends e inside tx, so the entry commits (or rolls back) with the change it
// describes. The chain's head row is locked first: on Postgres the UPDATE holds its row
// lock until tx ends, on SQLite every write transaction holds the database's one write
// lock; either way appends are serialized and the chain stays linear.
func (l *Log) AppendTx(ctx context.Context, tx *entweb.Tx, e Event) (Entry, error) {
	if l == nil {
		return Entry{}, nil
	}
	// Constant statements, identical in both dialects (ON CONFLICT needs SQLite 3.24).
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (id, seq, hash) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING`); err != nil {
		return Entry{}, fmt.Errorf("audit: append: head: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_heads SET seq = seq WHERE id = 1`); err != nil {
		return Entry{}, fmt.Errorf("audit: append: lock head: %w", err)
	}
	head, err := tx.AuditHead.Get(ctx, headID)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: read head: %w", err)
	}
	if e.ActorEmail == "" && e.ActorID != "" {
		// The address as it is now, kept on the entry when it changes later.
		if u, err := tx.User.Get(ctx, e.ActorID); err == nil {
			e.ActorEmail = u.Email
		}
	}
	en := newEntry(e, RequestFrom(ctx), l.now())
	en.Seq = head.Seq + 1
	en.PrevHash = head.Hash
	en.Seal()
	err = tx.AuditEntry.Create().
		SetID(en.Seq).SetAt(en.At).SetAction(en.Action).
		SetNillableActorID(en.ActorID).SetActorEmail(en.ActorEmail).SetNillableOrgID(en.OrgID).
		SetIP(en.IP).SetUserAgent(en.UserAgent).SetTargetType(en.TargetType).SetTargetID(en.TargetID).
		SetDetails(en.Details).SetPrevHash(en.PrevHash).SetHash(en.Hash).
		SetVersion(en.Version).SetPersonalSalt(en.PersonalSalt).SetPersonalDigest(en.PersonalDigest).
		Exec(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	if err := tx.AuditHead.UpdateOneID(headID).SetSeq(en.Seq).SetHash(en.Hash).Exec(ctx); err != nil {
		return Entry{}, fmt.Errorf("audit: append: move head: %w", err)
	}
	return en, nil
}

// fromRow is the Entry of a stored row.
func fromRow(r *entweb.AuditEntry) Entry {
	return Entry{
		Seq: r.ID, At: r.At, Action: r.Action, ActorID: r.ActorID, ActorEmail: r.ActorEmail,
		OrgID: r.OrgID, IP: r.IP, UserAgent: r.UserAgent, TargetType: r.TargetType,
		TargetID: r.TargetID, Details: r.Details, PrevHash: r.PrevHash, Hash: r.Hash,
		Version: r.Version, PersonalSalt: r.PersonalSalt, PersonalDigest: r.PersonalDigest,
		Anonymized: r.AnonymizedAt != nil,
	}
}
