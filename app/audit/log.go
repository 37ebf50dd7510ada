package audit

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/audithead"
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
	_, err := l.Append(ctx, e)
	logFailure(ctx, l.log, e, err)
}

// Func returns Record as a Func.
func (l *Log) Func() Func { return l.Record }

// Append appends e in a transaction of its own and returns the entry written.
func (l *Log) Append(ctx context.Context, e Event) (Entry, error) {
	if l == nil {
		return Entry{}, nil
	}
	return appendOwn(ctx, l.db.Tx, l.AppendTx, e)
}

// AppendTx appends e inside tx, so the entry commits (or rolls back) with the change it
// describes (see appendChain).
func (l *Log) AppendTx(ctx context.Context, tx *entweb.Tx, e Event) (Entry, error) {
	if l == nil {
		return Entry{}, nil
	}
	if e.ActorEmail == "" && e.ActorID != "" {
		// The address as it is now, kept on the entry when it changes later.
		if u, err := tx.User.Get(ctx, e.ActorID); err == nil {
			e.ActorEmail = u.Email
		}
	}
	return appendChain(ctx, webTx{tx}, e, l.now())
}

// webTx is a web database transaction as a chainTx.
type webTx struct{ tx *entweb.Tx }

func (w webTx) exec(ctx context.Context, query string) error {
	_, err := w.tx.ExecContext(ctx, query)
	return err
}

func (w webTx) query(ctx context.Context, query string) (*sql.Rows, error) {
	return w.tx.QueryContext(ctx, query)
}

func (w webTx) insert(ctx context.Context, en Entry) error {
	return w.tx.AuditEntry.Create().
		SetID(en.Seq).SetAt(en.At).SetAction(en.Action).
		SetNillableActorID(en.ActorID).SetActorEmail(en.ActorEmail).SetNillableOrgID(en.OrgID).
		SetIP(en.IP).SetUserAgent(en.UserAgent).SetTargetType(en.TargetType).SetTargetID(en.TargetID).
		SetDetails(en.Details).SetPrevHash(en.PrevHash).SetHash(en.Hash).
		SetVersion(en.Version).SetPersonalSalt(en.PersonalSalt).SetPersonalDigest(en.PersonalDigest).
		Exec(ctx)
}

func (w webTx) moveHead(ctx context.Context, h Head) error {
	return w.tx.AuditHead.Update().Where(audithead.ID(headID)).SetSeq(h.Seq).SetHash(h.Hash).Exec(ctx)
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
