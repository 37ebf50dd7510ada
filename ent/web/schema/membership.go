package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Membership gives a user a role in an organization.
type Membership struct{ ent.Schema }

// Mixin of Membership.
func (Membership) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of Membership.
func (Membership) Fields() []ent.Field {
	return []ent.Field{
		field.String("user_id").NotEmpty().Immutable(),
		field.String("org_id").NotEmpty().Immutable(),
		field.Enum("role").Values("owner", "admin", "member").Default("member"),
	}
}

// Indexes of Membership.
func (Membership) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "org_id").Unique(), index.Fields("org_id")}
}
