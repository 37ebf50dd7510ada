package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// ReceivedWebhook records each accepted webhook id, so a replay changes nothing.
type ReceivedWebhook struct{ ent.Schema }

// Fields of ReceivedWebhook. The id is the sender's webhook-id.
func (ReceivedWebhook) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Immutable().MaxLen(128),
		field.String("source").NotEmpty(),
		field.String("event").Default(""),
		field.Time("received_at").Immutable(),
	}
}
