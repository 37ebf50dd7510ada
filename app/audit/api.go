package audit

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/auditentry"
	"github.com/assayhq/assay/ent/api/audithead"
	"github.com/assayhq/assay/ent/api/predicate"
	"github.com/assayhq/assay/ent/mixin"
)

// APILog appends entries to the audit log of the API database: a chain of its own,
// encoded, sealed and verified exactly as the web database's. A nil APILog records
// nothing.
type APILog struct {
	db  *entapi.Client
	log *slog.Logger
	now func() time.Time
}

// NewAPILog returns the audit log of the API database db; log receives the errors of
// Record.
func NewAPILog(db *entapi.Client, log *slog.Logger) *APILog {
	return &APILog{db: db, log: log, now: time.Now}
}

// Record appends e in a transaction of its own; an error is logged, never returned.
func (l *APILog) Record(ctx context.Context, e Event) {
	if l == nil {
		return
	}
	_, err := l.Append(ctx, e)
	logFailure(ctx, l.log, e, err)
}

// Func returns Record as a Func.
func (l *APILog) Func() Func { return l.Record }

// Append appends e in a transaction of its own and returns the entry written.
func (l *APILog) Append(ctx context.Context, e Event) (Entry, error) {
	if l == nil {
		return Entry{}, nil
	}
	return appendOwn(ctx, l.db.Tx, l.AppendTx, e)
}

// AppendTx appends e inside tx, so the entry commits (or rolls back) with the change it
// describes.
func (l *APILog) AppendTx(ctx context.Context, tx *entapi.Tx, e Event) (Entry, error) {
	if l == nil {
		return Entry{}, nil
	}
	return appendChain(ctx, apiTx{tx}, e, l.now())
}

// AppendAPITx appends e to the API log inside tx, for code that holds a transaction
// but no APILog (the jobs that change endpoints on their own).
func AppendAPITx(ctx context.Context, tx *entapi.Tx, e Event) (Entry, error) {
	return appendChain(ctx, apiTx{tx}, e, time.Now())
}

// RecordTx appends e inside tx and logs a failure instead of returning it, for changes
// that must not fail because their record could not be written.
func (l *APILog) RecordTx(ctx context.Context, tx *entapi.Tx, e Event) {
	if l == nil {
		return
	}
	_, err := l.AppendTx(ctx, tx, e)
	logFailure(ctx, l.log, e, err)
}

// VerifyAPI walks the API database's audit log; see VerifySource.
func VerifyAPI(ctx context.Context, db *entapi.Client) (Report, error) {
	return VerifySource(ctx, apiSource{db})
}

// AnonymizeAPI wipes, inside tx, the personal fields of the API log's entries that
// where selects, as Anonymize does for the web log, and returns how many it changed.
func AnonymizeAPI(ctx context.Context, tx *entapi.Tx, at time.Time, where ...predicate.AuditEntry) (int, error) {
	n, err := tx.AuditEntry.Update().
		Where(append(where, auditentry.AnonymizedAtIsNil())...).
		SetActorEmail("").SetIP("").SetUserAgent("").SetDetails("{}").SetPersonalSalt("").
		SetAnonymizedAt(at.UTC()).
		Save(mixin.AllowAnonymize(ctx))
	if err != nil {
		return 0, fmt.Errorf("audit: anonymize: %w", err)
	}
	return n, nil
}

// APIFilter selects entries of the API log; empty fields select everything.
type APIFilter struct {
	OrgID        string
	ActionPrefix string
	ActorID      string
}

// APIEntries returns up to limit entries of the API log that f selects, newest first,
// those with a sequence number below before when it is above zero. It is the one
// reader of the API trail: the table has no tenant interceptor (see the schema), so a
// reader for one organization names it in f.OrgID.
func APIEntries(ctx context.Context, db *entapi.Client, f APIFilter, before int64, limit int) ([]Entry, error) {
	q := db.AuditEntry.Query()
	if f.OrgID != "" {
		q = q.Where(auditentry.OrgID(f.OrgID))
	}
	if f.ActionPrefix != "" {
		q = q.Where(auditentry.ActionHasPrefix(f.ActionPrefix))
	}
	if f.ActorID != "" {
		q = q.Where(auditentry.ActorID(f.ActorID))
	}
	if before > 0 {
		q = q.Where(auditentry.IDLT(before))
	}
	rows, err := q.Order(entapi.Desc(auditentry.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: api entries: %w", err)
	}
	return fromAPIRows(rows), nil
}

// apiTx is an API database transaction as a chainTx.
type apiTx struct{ tx *entapi.Tx }

func (a apiTx) exec(ctx context.Context, query string) error {
	_, err := a.tx.ExecContext(ctx, query)
	return err
}

func (a apiTx) query(ctx context.Context, query string) (*sql.Rows, error) {
	return a.tx.QueryContext(ctx, query)
}

func (a apiTx) insert(ctx context.Context, en Entry) error {
	return a.tx.AuditEntry.Create().
		SetID(en.Seq).SetAt(en.At).SetAction(en.Action).
		SetNillableActorID(en.ActorID).SetActorEmail(en.ActorEmail).SetNillableOrgID(en.OrgID).
		SetIP(en.IP).SetUserAgent(en.UserAgent).SetTargetType(en.TargetType).SetTargetID(en.TargetID).
		SetDetails(en.Details).SetPrevHash(en.PrevHash).SetHash(en.Hash).
		SetVersion(en.Version).SetPersonalSalt(en.PersonalSalt).SetPersonalDigest(en.PersonalDigest).
		Exec(ctx)
}

func (a apiTx) moveHead(ctx context.Context, h Head) error {
	return a.tx.AuditHead.Update().Where(audithead.ID(headID)).SetSeq(h.Seq).SetHash(h.Hash).Exec(ctx)
}

// apiSource is the chain of the API database.
type apiSource struct{ db *entapi.Client }

func (s apiSource) Entries(ctx context.Context, after int64, limit int) ([]Entry, error) {
	rows, err := s.db.AuditEntry.Query().Where(auditentry.IDGT(after)).
		Order(entapi.Asc(auditentry.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	return fromAPIRows(rows), nil
}

func (s apiSource) Heads(ctx context.Context) ([]Head, error) {
	rows, err := s.db.AuditHead.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Head, len(rows))
	for i, r := range rows {
		out[i] = Head{Seq: r.Seq, Hash: r.Hash}
	}
	return out, nil
}

func fromAPIRows(rows []*entapi.AuditEntry) []Entry {
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{
			Seq: r.ID, At: r.At, Action: r.Action, ActorID: r.ActorID, ActorEmail: r.ActorEmail,
			OrgID: r.OrgID, IP: r.IP, UserAgent: r.UserAgent, TargetType: r.TargetType,
			TargetID: r.TargetID, Details: r.Details, PrevHash: r.PrevHash, Hash: r.Hash,
			Version: r.Version, PersonalSalt: r.PersonalSalt, PersonalDigest: r.PersonalDigest,
			Anonymized: r.AnonymizedAt != nil,
		}
	}
	return out
}
