package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Task is the web app's view of an API task, kept current by signed webhooks.
type Task struct{ ent.Schema }

// Mixin of Task.
func (Task) Mixin() []ent.Mixin { return []ent.Mixin{mixin.Time{}, mixin.Tenant{}} }

// Fields of Task. The id is the API task id.
func (Task) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Immutable().MaxLen(36),
		field.String("user_id").Default(""),
		field.String("dataset_id").NotEmpty(),
		field.String("dataset_name").Default(""),
		field.String("status").Default("pending"),
		field.String("stage").Default(""),
		field.Float("score").Optional().Nillable(),
		field.String("error").Default(""),
		field.Time("finished_at").Optional().Nillable(),
	}
}

// Indexes of Task.
func (Task) Indexes() []ent.Index { return []ent.Index{index.Fields("org_id", "created_at")} }
