package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// IdempotencyKey records a POST sent with an Idempotency-Key header: in progress while its
// handler runs (locked by lock_token until locked_until, a lease the handler renews), then
// the response to replay for 24 hours to a retry with the same request fingerprint.
type IdempotencyKey struct{ ent.Schema }

// Mixin of IdempotencyKey.
func (IdempotencyKey) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(255).Immutable().Comment("the client's Idempotency-Key"),
		field.String("method").NotEmpty().MaxLen(16),
		field.String("path").NotEmpty().MaxLen(2048),
		field.String("fingerprint").Default("").MaxLen(64).
			Comment("hex SHA-256 of the request; empty until the first request's body has been read"),
		field.Int64("request_bytes").Default(0).Comment("the length of the first request's body"),
		field.Enum("status").Values("in_progress", "completed").Default("in_progress"),
		field.String("lock_token").NotEmpty().MaxLen(36).Comment("fences the request that holds the key"),
		field.Time("locked_until").Comment("an in-progress key unrenewed past this is abandoned"),
		field.Int("response_status").Default(0),
		field.String("response_content_type").Default("").MaxLen(255),
		field.Bytes("response_body").Optional().MaxLen(64 << 10),
		field.Time("expires_at"),
	}
}

// Indexes of IdempotencyKey.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_id", "key").Unique(),
		index.Fields("expires_at"),
	}
}
