package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// Report is the scored result of a completed task.
type Report struct{ ent.Schema }

// Mixin of Report.
func (Report) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of Report.
func (Report) Fields() []ent.Field {
	return []ent.Field{
		field.String("task_id").NotEmpty().Unique().Immutable(),
		field.String("dataset_id").NotEmpty().Immutable(),
		field.Float("score"),
		field.Int64("rows"),
		field.JSON("body", json.RawMessage{}).Comment("report.Report as JSON"),
	}
}
