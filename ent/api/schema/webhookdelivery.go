package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// WebhookDelivery is one event sent to one endpoint, written in the transaction of its
// cause. Its row, not Redis, says when the next attempt is due.
type WebhookDelivery struct{ ent.Schema }

// Mixin of WebhookDelivery.
func (WebhookDelivery) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.String("endpoint_id").NotEmpty().MaxLen(36).Immutable(),
		field.String("event_id").NotEmpty().MaxLen(64).Immutable().Comment("the webhook-id header"),
		field.String("event_type").NotEmpty().Immutable(),
		field.String("task_id").Default("").Immutable(),
		field.JSON("payload", json.RawMessage{}).Immutable(),
		field.Enum("status").Values("pending", "succeeded", "failed", "exhausted").Default("pending"),
		field.Int("attempts").Default(0),
		field.Time("next_attempt_at").Optional().Nillable(),
		field.Time("last_attempt_at").Optional().Nillable(),
		field.Int("last_status_code").Default(0),
		field.String("last_error").Default(""),
		field.String("response_excerpt").Default(""),
	}
}

// Indexes of WebhookDelivery.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("endpoint_id", "created_at"),
		index.Fields("status", "next_attempt_at"),
		index.Fields("event_id", "endpoint_id").Unique(),
	}
}
