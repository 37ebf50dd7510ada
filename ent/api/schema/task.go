package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Task is one pipeline run over a dataset.
type Task struct{ ent.Schema }

// Mixin of Task.
func (Task) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of Task.
func (Task) Fields() []ent.Field {
	return []ent.Field{
		field.String("dataset_id").NotEmpty().Immutable(),
		field.Enum("status").Values("pending", "processing", "completed", "failed", "cancelled").Default("pending"),
		field.String("stage").Default(""),
		field.Float("progress").Default(0),
		field.JSON("rules", json.RawMessage{}).Optional(),
		field.Int("rule_set_version").Optional().Nillable().Immutable().
			Comment("the dataset rule set version the task used; null for rules given with the task"),
		field.Int64("min_rows").Optional().Nillable().Immutable().Comment("the row-count bounds the task used"),
		field.Int64("max_rows").Optional().Nillable().Immutable(),
		field.Float("score").Optional().Nillable(),
		field.String("error").Default(""),
		field.Time("deadline"),
		field.String("traceparent").Default("").Immutable().
			Comment("W3C traceparent of the request that started the run: re-dispatched steps join its trace"),
		field.Time("started_at").Optional().Nillable(),
		field.Time("finished_at").Optional().Nillable(),
	}
}

// Indexes of Task.
func (Task) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "created_at"), index.Fields("status")}
}
