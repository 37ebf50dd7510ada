// Package schema holds the Ent schemas of the API database.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// Tenant is an organization as the API knows it: its id (the web organization id) and
// the plan limits pushed from the web app.
type Tenant struct{ ent.Schema }

// Mixin of Tenant.
func (Tenant) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of Tenant.
func (Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Default(""),
		field.String("plan").Default("free"),
		field.Int64("max_upload_bytes").Default(0).Comment("0: the server default"),
		// The rest of the plan's limits (app/plan.Limits); 0: not known yet, the server
		// defaults apply.
		field.Int64("max_rows").Default(0),
		field.Int64("tasks_per_month").Default(0),
		field.Int64("members").Default(0),
		field.Int64("api_rate_per_minute").Default(0),
		field.Int64("retention_days").Default(0),
		field.Int64("plan_at").Default(0).
			Comment("when the web app read the plan stored here (microseconds since the Unix epoch): an older plan never replaces it"),
		field.Time("suspended_at").Optional().Nillable().
			Comment("staff suspended the organization: its requests are refused and its queued tasks wait"),
	}
}
