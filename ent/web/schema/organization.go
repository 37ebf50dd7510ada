package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// Organization is the tenant: it owns datasets, tasks and API keys.
type Organization struct{ ent.Schema }

// Mixin of Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100),
		field.String("plan").Default("free"),
		field.Bool("require_mfa").Default(false).
			Comment("members must sign in with MFA to enter this organization"),
	}
}
