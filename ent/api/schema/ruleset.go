package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// RuleSet is a dataset's saved rules (report.Rule JSON) and its dataset-level row-count
// bounds. Each save replaces the whole set and increments version; tasks created
// without rules of their own use it and record the version they used.
type RuleSet struct{ ent.Schema }

// Mixin of RuleSet.
func (RuleSet) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of RuleSet.
func (RuleSet) Fields() []ent.Field {
	return []ent.Field{
		field.String("dataset_id").NotEmpty().MaxLen(36).Immutable(),
		field.JSON("rules", json.RawMessage{}).Optional().Comment("[]report.Rule"),
		field.Int64("min_rows").Optional().Nillable(),
		field.Int64("max_rows").Optional().Nillable(),
		field.Int("version").Default(1).Positive(),
	}
}

// Indexes of RuleSet.
func (RuleSet) Indexes() []ent.Index {
	return []ent.Index{index.Fields("dataset_id").Unique()}
}
