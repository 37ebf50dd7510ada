package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// WebhookAttempt records one HTTP attempt of a delivery: the delivery log.
type WebhookAttempt struct{ ent.Schema }

// Mixin of WebhookAttempt.
func (WebhookAttempt) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of WebhookAttempt.
func (WebhookAttempt) Fields() []ent.Field {
	return []ent.Field{
		field.String("delivery_id").NotEmpty().MaxLen(36).Immutable(),
		field.String("endpoint_id").NotEmpty().MaxLen(36).Immutable(),
		field.Int("attempt").Immutable(),
		field.Int("status_code").Default(0).Immutable(),
		field.String("error").Default("").Immutable(),
		field.String("response_excerpt").Default("").Immutable(),
		field.Int64("duration_ms").Default(0).Immutable(),
	}
}

// Indexes of WebhookAttempt.
func (WebhookAttempt) Indexes() []ent.Index {
	return []ent.Index{index.Fields("delivery_id", "created_at")}
}
