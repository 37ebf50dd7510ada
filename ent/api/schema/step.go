package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Step is one stage job of a task. Its row, not Redis, is the truth about the stage.
type Step struct{ ent.Schema }

// Mixin of Step.
func (Step) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of Step.
func (Step) Fields() []ent.Field {
	return []ent.Field{
		field.String("task_id").NotEmpty().Immutable(),
		field.String("parent_id").Optional().Nillable().Immutable(),
		field.String("kind").NotEmpty().Immutable(),
		field.Int("chunk").Default(0).Immutable(),
		field.Enum("status").Values("queued", "running", "waiting", "succeeded", "failed", "cancelled").Default("queued"),
		field.Int("attempt").Default(0),
		field.Int("max_attempts").Default(5),
		field.String("lease_owner").Default(""),
		field.Time("lease_until").Optional().Nillable(),
		field.Time("available_at"),
		field.Int("pending_children").Default(0),
		field.JSON("result", json.RawMessage{}).Optional(),
		field.String("error").Default(""),
		field.String("error_class").Default(""),
	}
}

// Indexes of Step.
func (Step) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("task_id", "kind", "chunk").Unique(),
		index.Fields("status", "available_at"),
		index.Fields("parent_id"),
	}
}
