package schema

import (
	"context"
	"errors"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// errAuditAppendOnly refuses any change to a written audit entry.
var errAuditAppendOnly = errors.New("audit: entries are append-only")

// AuditEntry is one line of the audit log: who did what, in which organization, from
// where. The id is the entry's sequence number; each entry carries the SHA-256 of the one
// before it (prev_hash) and its own (hash), so an edited or deleted row breaks the chain.
// The application never updates or deletes an entry: the hook below refuses both. (A
// future account deletion flow that anonymizes old entries will need its own, audited
// path; it does not exist yet.)
type AuditEntry struct{ ent.Schema }

// Fields of AuditEntry.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("id").Positive().Immutable().Comment("sequence number, 1, 2, 3…"),
		field.Time("at").Immutable(),
		field.String("action").NotEmpty().MaxLen(64).Immutable(),
		field.String("actor_id").Optional().Nillable().MaxLen(36).Immutable(),
		field.String("actor_email").Default("").MaxLen(254).Immutable().Comment("as it was at the time"),
		field.String("org_id").Optional().Nillable().MaxLen(36).Immutable(),
		field.String("ip").Default("").MaxLen(64).Immutable(),
		field.String("user_agent").Default("").MaxLen(512).Immutable(),
		field.String("target_type").Default("").MaxLen(32).Immutable(),
		field.String("target_id").Default("").MaxLen(255).Immutable(),
		field.Text("details").Default("{}").Immutable().Comment("small JSON object, exactly as hashed"),
		field.String("prev_hash").Default("").MaxLen(64).Immutable(),
		field.String("hash").NotEmpty().MaxLen(64).Immutable(),
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
				if !m.Op().Is(ent.OpCreate) {
					return nil, errAuditAppendOnly
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}

// AuditHead is the single row (id 1) that records the audit log's last entry: its
// sequence number and hash. Appending locks it, so the chain stays linear, and verifying
// compares it with the last entry, so deleting the newest entries is detected too.
type AuditHead struct{ ent.Schema }

// Fields of AuditHead.
func (AuditHead) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").Positive().Immutable(),
		field.Int64("seq").Default(0),
		field.String("hash").Default("").MaxLen(64),
	}
}
