package mixin

import (
	"context"
	"errors"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"
)

// ErrAuditAppendOnly refuses any change to a written audit entry.
var ErrAuditAppendOnly = errors.New("audit: entries are append-only")

// AuditEntry holds the fields and the append-only hook of an audit log's entries, the
// same in every database that keeps one. The id is the entry's sequence number; each
// entry carries the SHA-256 of the one before it (prev_hash) and its own (hash), so an
// edited or deleted row breaks the chain. The application never deletes an entry and
// never updates one, except to wipe the personal fields of a deleted account or
// organization under AllowAnonymize. Version 2 entries hash only a salted digest of
// those fields, so wiping them keeps the chain verifiable.
type AuditEntry struct{ mixin.Schema }

// Fields of AuditEntry.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id").Positive().Immutable().Comment("sequence number, 1, 2, 3…"),
		field.Time("at").Immutable(),
		field.String("action").NotEmpty().MaxLen(64).Immutable(),
		field.String("actor_id").Optional().Nillable().MaxLen(36).Immutable(),
		field.String("actor_email").Default("").MaxLen(254).Comment("as it was at the time"),
		field.String("org_id").Optional().Nillable().MaxLen(36).Immutable(),
		field.String("ip").Default("").MaxLen(64),
		field.String("user_agent").Default("").MaxLen(512),
		field.String("target_type").Default("").MaxLen(32).Immutable(),
		field.String("target_id").Default("").MaxLen(255).Immutable(),
		field.Text("details").Default("{}").Comment("small JSON object, exactly as hashed (version 1) or digested (version 2)"),
		field.String("prev_hash").Default("").MaxLen(64).Immutable(),
		field.String("hash").NotEmpty().MaxLen(64).Immutable(),
		field.Int("version").Default(1).Immutable().Comment("entry format: 1 hashes every field, 2 a digest of the personal ones"),
		field.String("personal_salt").Default("").MaxLen(64).Comment("salt of personal_digest; wiped with the personal fields"),
		field.String("personal_digest").Default("").MaxLen(64).Immutable().
			Comment("version 2: SHA-256 of the salt, actor_email, ip, user_agent and details"),
		field.Time("anonymized_at").Optional().Nillable().Comment("when the personal fields were wiped"),
	}
}

// Indexes of AuditEntry.
func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "id"), index.Fields("actor_id")}
}

// Hooks of AuditEntry refuse updates and deletes.
func (AuditEntry) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if !m.Op().Is(ent.OpCreate) && !anonymizing(ctx, m) {
					return nil, ErrAuditAppendOnly
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}

// AuditHead holds the fields of the single row (id 1) that records an audit log's last
// entry: its sequence number and hash. Appending locks it, so the chain stays linear,
// and verifying compares it with the last entry, so deleting the newest entries is
// detected too.
type AuditHead struct{ mixin.Schema }

// Fields of AuditHead.
func (AuditHead) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").Positive().Immutable(),
		field.Int64("seq").Default(0),
		field.String("hash").Default("").MaxLen(64),
	}
}

type anonymizeKey struct{}

// AllowAnonymize returns ctx under which the audit entry hook lets an update wipe the
// personal fields of entries, and nothing else.
func AllowAnonymize(ctx context.Context) context.Context {
	return context.WithValue(ctx, anonymizeKey{}, true)
}

// personalFields are the only fields an anonymizing update may set.
var personalFields = map[string]bool{
	"actor_email": true, "ip": true, "user_agent": true, "details": true,
	"personal_salt": true, "anonymized_at": true,
}

// anonymizing reports whether m is an update allowed by AllowAnonymize.
func anonymizing(ctx context.Context, m ent.Mutation) bool {
	if ok, _ := ctx.Value(anonymizeKey{}).(bool); !ok || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) {
		return false
	}
	if len(m.ClearedFields()) > 0 || len(m.AddedFields()) > 0 {
		return false
	}
	for _, f := range m.Fields() {
		if !personalFields[f] {
			return false
		}
	}
	return len(m.Fields()) > 0
}
