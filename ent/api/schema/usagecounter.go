package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// UsageCounter is what an organization used in one billing period (a calendar month,
// UTC): tasks admitted, rows of completed runs, and the bytes of its stored datasets.
// Each counter moves in the transaction of its cause. The warned columns remember the
// highest threshold (80 or 100 percent) already announced this period.
type UsageCounter struct{ ent.Schema }

// Mixin of UsageCounter.
func (UsageCounter) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of UsageCounter.
func (UsageCounter) Fields() []ent.Field {
	return []ent.Field{
		field.Time("period_start").Immutable().Comment("first instant of the period, UTC"),
		field.Int64("tasks").Default(0),
		field.Int64("rows").Default(0),
		field.Int64("storage_bytes").Default(0).Comment("carried over from the previous period"),
		field.Int("tasks_warned").Default(0).Comment("highest tasks threshold announced: 0, 80 or 100"),
		field.Int("rows_warned").Default(0).Comment("highest rows threshold announced: 0, 80 or 100"),
	}
}

// Indexes of UsageCounter.
func (UsageCounter) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "period_start").Unique()}
}
