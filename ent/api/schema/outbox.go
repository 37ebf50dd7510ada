package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Outbox holds messages written in the same transaction as their cause and delivered
// afterwards (webhooks to the web app), so a crash between the two loses nothing.
type Outbox struct{ ent.Schema }

// Mixin of Outbox.
func (Outbox) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of Outbox.
func (Outbox) Fields() []ent.Field {
	return []ent.Field{
		field.String("task_id").Optional(),
		field.String("topic").NotEmpty(),
		field.JSON("payload", json.RawMessage{}),
		field.Int("attempts").Default(0),
		field.Time("sent_at").Optional().Nillable(),
		field.String("last_error").Default(""),
	}
}

// Indexes of Outbox.
func (Outbox) Indexes() []ent.Index {
	return []ent.Index{index.Fields("task_id"), index.Fields("sent_at")}
}
