package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// OutgoingMail is the outbox of email: a row is written in the transaction of the action
// that sends the mail, rendered, and a job delivers it with retries. The bodies are
// cleared once the row is sent or failed, since they may hold one-time links.
type OutgoingMail struct{ ent.Schema }

// Mixin of OutgoingMail.
func (OutgoingMail) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of OutgoingMail.
func (OutgoingMail) Fields() []ent.Field {
	return []ent.Field{
		field.String("to").NotEmpty().MaxLen(254).Immutable(),
		field.String("template").NotEmpty().MaxLen(64).Immutable(),
		field.String("subject").MaxLen(255).Immutable(),
		field.Text("text").Sensitive(),
		field.Text("html").Sensitive(),
		field.Enum("status").Values("pending", "sent", "failed").Default("pending"),
		field.Int("attempts").Default(0),
		field.Time("next_attempt_at").Comment("due time; while an attempt runs, the end of its lease"),
		field.String("last_error").Default("").MaxLen(1000),
		field.Time("sent_at").Optional().Nillable(),
	}
}

// Indexes of OutgoingMail.
func (OutgoingMail) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "next_attempt_at")}
}
